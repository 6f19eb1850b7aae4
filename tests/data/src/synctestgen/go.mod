module example.com/synctestgen

go 1.25
