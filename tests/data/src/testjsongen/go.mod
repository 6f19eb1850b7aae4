module example.com/testjsongen

go 1.21
