package io.tessera.cli.chaos.history;

import java.util.List;

/** One micro-operation of a transaction on a key's list, as the client saw it. */
public sealed interface Op permits Op.Read, Op.Append {
    long key();

    /** A read of a key's list: its elements in order (empty when the key has none yet). */
    record Read(long key, List<Long> values) implements Op {
        public Read {
            values = List.copyOf(values);
        }

        @Override
        public String toString() {
            return "r(" + key + ")=" + values;
        }
    }

    /** An append of an element to a key's list; elements are unique over a whole history. */
    record Append(long key, long element) implements Op {
        @Override
        public String toString() {
            return "a(" + key + "," + element + ")";
        }
    }
}
