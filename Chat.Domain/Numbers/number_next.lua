-- The next number of a scope from its block (docs/decisions/0003), or 0 when a new block must be reserved first; and
-- 1 when the block runs low (the caller reserves the next one ahead).
-- KEYS: the scope's counter hash (next, limit, run, size).
local first, low = take_numbers(KEYS[1], 1)
return {first, low}
