module example.com/servedgen

go 1.21
