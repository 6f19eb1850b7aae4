module example.com/samples/ledger

go 1.19
