package io.tessera.cli.chaos.history;

/** One violation of snapshot isolation found in a history, with the transactions that show it. */
public record Anomaly(Kind kind, String explanation) {
    /** The anomalies snapshot isolation forbids; write skew (G2 with adjacent anti-dependencies) is not among them. */
    public enum Kind {
        /** A read saw an element nobody appended to that key. */
        GARBAGE_READ,
        /** A read saw an element twice: an append applied twice. */
        DUPLICATE_ELEMENT,
        /** G1a: a read saw an element appended by a transaction that did not commit. */
        ABORTED_READ,
        /** G1b: a read saw a transaction's earlier append to a key but not its later one. */
        INTERMEDIATE_READ,
        /** Two reads of one key that are not prefixes of each other: the key's history forked. */
        INCOMPATIBLE_ORDER,
        /** P4: two committed transactions read the same version of a key and both appended to it. */
        LOST_UPDATE,
        /** A committed append is missing from the key's final state. */
        LOST_WRITE,
        /**
         * A transaction that began after another had committed did not see its append. Snapshot
         * isolation as such allows it; Tessera promises more (the timestamp oracle gives a later
         * transaction a later snapshot), and so does any single-node database.
         */
        STALE_READ,
        /** One transaction read a key twice, without writing it between, and saw different lists. */
        NON_REPEATABLE_READ,
        /** A transaction read a key after appending to it and did not see its own append. */
        OWN_WRITE_INVISIBLE,
        /** G0/G1c: a cycle of write-write and write-read dependencies. */
        CYCLE_WITHOUT_ANTI_DEPENDENCY,
        /** G-single: a cycle with exactly one anti-dependency, e.g. read skew. */
        CYCLE_WITH_ONE_ANTI_DEPENDENCY,
        /** A cycle with several anti-dependencies, no two of them adjacent. */
        CYCLE_WITH_NONADJACENT_ANTI_DEPENDENCIES
    }

    @Override
    public String toString() {
        return kind + ": " + explanation;
    }
}
