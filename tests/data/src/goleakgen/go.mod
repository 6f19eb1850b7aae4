module example.com/goleakgen

go 1.21
