module example.com/samples/stuck

go 1.19
