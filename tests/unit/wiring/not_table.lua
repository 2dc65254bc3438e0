-- not_table.lua - returns a number.
return 42
