package io.tessera.jdbc.differential;

/**
 * One query of the differential test.
 *
 * @param label   where it comes from (hand-written number, or generated index and seed), printed on failure
 * @param sql     the SQL text, identical for both engines
 * @param ordered true when the query has an ORDER BY that totally orders its output, so results are compared
 *                as lists; otherwise they are compared as multisets
 */
record DiffQuery(String label, String sql, boolean ordered) {

    static DiffQuery ordered(String label, String sql) {
        return new DiffQuery(label, sql, true);
    }

    static DiffQuery unordered(String label, String sql) {
        return new DiffQuery(label, sql, false);
    }
}
