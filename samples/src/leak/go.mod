module example.com/samples/leak

go 1.19
