module example.com/racegen

go 1.19
