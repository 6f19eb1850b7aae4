module example.com/busylockgen

go 1.21
