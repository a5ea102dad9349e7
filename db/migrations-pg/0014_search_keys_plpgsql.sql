-- A row's search keys made at less than half the cost (issue 18), the same keys as before.
-- rectify_grams and rectify_scope were SQL functions that cannot be inlined (a FROM, an
-- aggregate, a subquery), and PostgreSQL 15 plans such a function's body anew on every call
-- from a trigger: at 100,000 tasks, 20,000 notes inserted took 4.4 s, of which 0.4 s without
-- the search trigger. As PL/pgSQL (each statement's plan kept for the session), rectify_grams a
-- text's characters split once (regexp_split_to_array, which keeps a code point whole) and its
-- pairs built in a loop, made distinct by hashing: the same set of keys, in another order,
-- which nothing reads (GIN and the array operators compare sets); rectify_scope a loop.
-- The same 20,000 notes: 2.3 s. Checked against the old functions on every text of the bench
-- database (test/db/postgres-walk.test.ts keeps the check for edge cases).
CREATE OR REPLACE FUNCTION "rectify_grams"(t text) RETURNS text[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
	c text[];
	keys text[];
BEGIN
	IF t IS NULL OR t = '' THEN
		RETURN '{}';
	END IF;
	c := regexp_split_to_array(lower(t), '');
	keys := c;
	FOR i IN 1 .. cardinality(c) - 1 LOOP
		keys := keys || (c[i] || c[i + 1]);
	END LOOP;
	RETURN ARRAY(SELECT DISTINCT unnest(keys));
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "rectify_scope"(path text, unit_id bigint, owner_id bigint, leader_id bigint) RETURNS text[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
	keys text[] := '{}';
	p text;
BEGIN
	IF path IS NOT NULL THEN
		FOREACH p IN ARRAY string_to_array(path, '/') LOOP
			IF p <> '' THEN
				keys := keys || ('s:' || p);
			END IF;
		END LOOP;
	END IF;
	IF unit_id IS NOT NULL THEN
		keys := keys || ('u:' || unit_id);
	END IF;
	IF owner_id IS NOT NULL THEN
		keys := keys || ('o:' || owner_id);
	END IF;
	IF leader_id IS NOT NULL THEN
		keys := keys || ('l:' || leader_id);
	END IF;
	RETURN keys;
END $$;
