-- Enough rows that the planner reads orders through its index, as it does in production.
INSERT INTO customers SELECT g, 'customer' || g || '@example.com' FROM generate_series(1, 2000) g;
INSERT INTO orders SELECT g, 1 + g % 2000, (g * 37) % 50000, timestamptz '2025-01-01' + g * interval '1 minute'
FROM generate_series(1, 20000) g;
