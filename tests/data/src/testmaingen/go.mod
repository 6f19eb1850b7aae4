module example.com/testmaingen

go 1.21
