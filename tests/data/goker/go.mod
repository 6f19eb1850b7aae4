module example.com/holdout

go 1.21
