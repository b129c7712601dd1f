CREATE INDEX CONCURRENTLY books_author_id_idx ON books (author_id);
