module example.com/samples/spike

go 1.19
