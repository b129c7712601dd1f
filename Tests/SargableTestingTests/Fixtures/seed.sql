INSERT INTO authors SELECT g, 'author ' || g FROM generate_series(1, 500) g;
INSERT INTO books SELECT g, 1 + g % 500, 'book ' || g FROM generate_series(1, 10000) g;
