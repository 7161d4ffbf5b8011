-- The next number of a scope from its block (docs/decisions/0003), or 0 when a new block must be reserved first.
-- KEYS: the scope's counter hash (next, limit, run).
return take_numbers(KEYS[1], 1)
