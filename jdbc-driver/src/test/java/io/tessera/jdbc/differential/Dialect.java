package io.tessera.jdbc.differential;

/** The two engines under comparison; only DDL differs between them. */
enum Dialect {
    /** The reference: an in-memory H2 database. */
    H2,
    /** The system under test, which additionally gets the {@code SHARD BY ... SHARDS n} clauses. */
    TESSERA
}
