module example.com/crashgen

go 1.19
