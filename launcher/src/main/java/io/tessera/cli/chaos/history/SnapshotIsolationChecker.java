package io.tessera.cli.chaos.history;

import io.tessera.cli.chaos.history.Anomaly.Kind;
import io.tessera.cli.chaos.history.DependencyGraph.Edge;
import io.tessera.cli.chaos.history.DependencyGraph.Type;
import io.tessera.cli.chaos.txn.Outcome;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a list-append history (Elle's model: every key holds a list, transactions read lists and
 * append unique elements) against snapshot isolation.
 *
 * <p>Checked: no read sees an element nobody appended (garbage) or an element twice; no read sees
 * an append of a transaction that did not commit (G1a) or only some of one transaction's appends to a
 * key (G1b); within a transaction, a key read twice without a write in between reads the same, and a
 * read after an append sees it; all reads of a key are prefixes of one order (no fork); no two
 * committed transactions append to a key after reading the same version of it (lost update, P4);
 * every committed append is in the final state; and the dependency graph (ww, wr, rw) has no cycle
 * that snapshot isolation forbids: none without rw edges (G0, G1c), none with a single rw edge
 * (G-single, e.g. read skew) or with rw edges that are never adjacent.
 *
 * <p><b>Write skew is allowed</b> under snapshot isolation and is not reported: two transactions that
 * each read what the other writes, on different keys, form a cycle with two adjacent rw edges.
 *
 * <p>Indeterminate transactions (their {@code commit()} failed for an unknown reason) may or may not
 * have committed, as in Jepsen: one whose appends some read or the final state saw is treated as
 * committed (then all its appends must be there), one never seen as never having happened.
 */
public final class SnapshotIsolationChecker {
    /** A read before the transaction wrote the key: it shows the snapshot the transaction began with. */
    private record ExternalRead(Txn txn, long key, List<Long> values) {}

    private final List<Txn> history;
    private final Map<Long, List<Long>> finalState;
    private final Map<Long, Txn> byId = new HashMap<>();
    private final Map<Long, Txn> writerOf = new HashMap<>();
    private final Map<Long, Long> keyOf = new HashMap<>();
    private final Map<Long, Map<Long, List<Long>>> appendsByTxnAndKey = new HashMap<>();
    private final List<ExternalRead> externalReads = new ArrayList<>();
    private final Set<Long> observed = new HashSet<>();
    private final Map<Long, List<Long>> order = new HashMap<>();
    private final List<Anomaly> anomalies = new ArrayList<>();
    private final Set<String> reported = new HashSet<>();

    private SnapshotIsolationChecker(List<Txn> history, Map<Long, List<Long>> finalState) {
        this.history = history;
        this.finalState = finalState;
    }

    /**
     * @param history    every transaction the clients ran, whatever its outcome
     * @param finalState every key's list read after the workload stopped (keys not in it are empty), or
     *                   null when unknown (then lost writes are not checked)
     */
    public static List<Anomaly> check(List<Txn> history, Map<Long, List<Long>> finalState) {
        SnapshotIsolationChecker c = new SnapshotIsolationChecker(history, finalState);
        c.indexAppends();
        c.checkInsideTransactions();
        c.checkElementsRead();
        c.checkOrders();
        c.checkStaleReads();
        c.checkLostUpdates();
        c.checkLostWrites();
        c.checkCycles();
        return List.copyOf(c.anomalies);
    }

    private void indexAppends() {
        for (Txn t : history) {
            byId.put(t.id(), t);
            for (Op op : t.ops()) {
                if (op instanceof Op.Append a) {
                    if (writerOf.putIfAbsent(a.element(), t) != null) {
                        throw new IllegalArgumentException("element " + a.element() + " appended twice (by T"
                                + writerOf.get(a.element()).id() + " and T" + t.id() + "): elements must be unique");
                    }
                    keyOf.put(a.element(), a.key());
                    appendsByTxnAndKey.computeIfAbsent(t.id(), x -> new HashMap<>())
                            .computeIfAbsent(a.key(), x -> new ArrayList<>()).add(a.element());
                }
            }
        }
    }

    /** Repeatable reads and reading one's own appends; collects the reads that show the snapshot. */
    private void checkInsideTransactions() {
        for (Txn t : history) {
            Map<Long, List<Long>> expected = new HashMap<>(); // what the next read of a key must see
            Map<Long, List<Long>> ownAppends = new HashMap<>();
            for (Op op : t.ops()) {
                if (op instanceof Op.Append a) {
                    ownAppends.computeIfAbsent(a.key(), k -> new ArrayList<>()).add(a.element());
                    List<Long> e = expected.get(a.key());
                    if (e != null) {
                        List<Long> next = new ArrayList<>(e);
                        next.add(a.element());
                        expected.put(a.key(), next);
                    }
                    continue;
                }
                Op.Read r = (Op.Read) op;
                List<Long> mine = ownAppends.getOrDefault(r.key(), List.of());
                List<Long> e = expected.get(r.key());
                if (e == null && mine.isEmpty()) {
                    externalReads.add(new ExternalRead(t, r.key(), r.values()));
                } else if (e == null) {
                    if (!endsWith(r.values(), mine)) {
                        add(Kind.OWN_WRITE_INVISIBLE, t + ": read of key " + r.key() + " " + r.values()
                                + " does not end with its own appends " + mine);
                    }
                } else if (!e.equals(r.values())) {
                    Kind kind = mine.isEmpty() || endsWith(r.values(), mine) ? Kind.NON_REPEATABLE_READ
                            : Kind.OWN_WRITE_INVISIBLE;
                    add(kind, t + ": read of key " + r.key() + " saw " + r.values() + ", expected " + e
                            + " from its earlier read" + (mine.isEmpty() ? "" : " and its appends " + mine));
                }
                expected.put(r.key(), r.values());
            }
        }
    }

    /** Garbage, duplicates, aborted and intermediate reads; records which transactions were seen. */
    private void checkElementsRead() {
        for (Txn t : history) {
            for (Op op : t.ops()) {
                if (op instanceof Op.Read r) {
                    checkRead("T" + t.id(), t.id(), r.key(), r.values());
                }
            }
        }
        if (finalState != null) {
            finalState.forEach((key, values) -> checkRead("the final read", -1, key, values));
        }
    }

    private void checkRead(String reader, long readerId, long key, List<Long> values) {
        Set<Long> seen = new HashSet<>();
        for (Long e : values) {
            if (!seen.add(e)) {
                add(Kind.DUPLICATE_ELEMENT, reader + " read key " + key + " = " + values + ": " + e + " twice");
                continue;
            }
            Txn w = writerOf.get(e);
            if (w == null || keyOf.get(e) != key) {
                add(Kind.GARBAGE_READ, reader + " read key " + key + " = " + values + ": nobody appended " + e
                        + " to key " + key);
                continue;
            }
            if (w.id() == readerId) {
                continue;
            }
            if (w.outcome() == Outcome.ABORTED) {
                add(Kind.ABORTED_READ, reader + " read key " + key + " = " + values + ": " + e + " was appended by "
                        + w + ", which did not commit (" + w.error() + ")");
                continue;
            }
            observed.add(w.id());
            List<Long> all = appendsByTxnAndKey.get(w.id()).get(key);
            int i = all.indexOf(e);
            if (i < all.size() - 1 && !values.contains(all.get(all.size() - 1))) {
                add(Kind.INTERMEDIATE_READ, reader + " read key " + key + " = " + values + ": it has " + e
                        + " but not the later appends " + all.subList(i + 1, all.size()) + " of " + w);
            }
        }
    }

    private boolean included(Txn t) {
        return t.outcome() == Outcome.COMMITTED || (t.outcome() == Outcome.INDETERMINATE && observed.contains(t.id()));
    }

    /** Every read of a key must be a prefix of the longest one: that list is the key's version order. */
    private void checkOrders() {
        Map<Long, List<List<Long>>> readsByKey = new LinkedHashMap<>();
        for (ExternalRead r : externalReads) {
            readsByKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.values());
        }
        if (finalState != null) {
            finalState.forEach((k, v) -> readsByKey.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
        }
        readsByKey.forEach((key, reads) -> {
            List<Long> longest = finalState != null && finalState.containsKey(key) ? finalState.get(key) : List.of();
            for (List<Long> r : reads) {
                if (r.size() > longest.size()) {
                    longest = r;
                }
            }
            order.put(key, longest);
            for (List<Long> r : reads) {
                if (!isPrefix(r, longest)) {
                    add(Kind.INCOMPATIBLE_ORDER, "key " + key + ": read " + r + " is not a prefix of read " + longest
                            + describeWriters(r, longest));
                }
            }
        });
    }

    /**
     * A transaction that began after another's commit returned must see that commit (Tessera's
     * oracle gives it a later snapshot). Per key: the committed appends ordered by when their commit
     * returned, with the furthest version position reached so far; each read must reach it.
     */
    private void checkStaleReads() {
        Map<Long, List<long[]>> commitsByKey = new HashMap<>(); // key -> {endNanos, position}, by endNanos
        order.forEach((key, versions) -> {
            List<long[]> commits = new ArrayList<>();
            for (int i = 0; i < versions.size(); i++) {
                Txn w = writerOf.get(versions.get(i));
                if (w != null && w.outcome() == Outcome.COMMITTED && w.timed()) {
                    commits.add(new long[] {w.endNanos(), i});
                }
            }
            commits.sort((a, b) -> Long.compare(a[0], b[0]));
            for (int i = 1; i < commits.size(); i++) {
                commits.get(i)[1] = Math.max(commits.get(i)[1], commits.get(i - 1)[1]);
            }
            commitsByKey.put(key, commits);
        });
        for (ExternalRead r : externalReads) {
            List<Long> versions = order.get(r.key());
            List<long[]> commits = commitsByKey.get(r.key());
            if (!r.txn().timed() || !included(r.txn()) || commits == null || !isPrefix(r.values(), versions)) {
                continue;
            }
            int lo = 0;
            int hi = commits.size(); // first commit that ended at or after the reader began
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (commits.get(mid)[0] < r.txn().startNanos()) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            if (lo == 0) {
                continue;
            }
            int reached = (int) commits.get(lo - 1)[1];
            if (r.values().size() <= reached) {
                Txn missed = writerOf.get(versions.get(reached));
                add(Kind.STALE_READ, r.txn() + " read key " + r.key() + " = " + r.values() + " although " + missed
                        + " had committed " + versions.get(reached) + " to it "
                        + (r.txn().startNanos() - missed.endNanos()) / 1_000_000 + " ms before it began");
            }
        }
    }

    private void checkLostUpdates() {
        Map<String, List<Txn>> byReadVersion = new LinkedHashMap<>();
        for (ExternalRead r : externalReads) {
            Map<Long, List<Long>> appends = appendsByTxnAndKey.get(r.txn().id());
            if (included(r.txn()) && appends != null && appends.containsKey(r.key())) {
                byReadVersion.computeIfAbsent(r.key() + " " + r.values(), k -> new ArrayList<>()).add(r.txn());
            }
        }
        byReadVersion.forEach((version, txns) -> {
            if (txns.size() > 1) {
                add(Kind.LOST_UPDATE, "key " + version.replaceFirst(" ", " read as ") + " by each of " + txns
                        + ": all committed an append on top of it");
            }
        });
    }

    private void checkLostWrites() {
        if (finalState == null) {
            return;
        }
        for (Txn t : history) {
            if (!included(t)) {
                continue;
            }
            for (Op op : t.ops()) {
                if (op instanceof Op.Append a && !finalState.getOrDefault(a.key(), List.of()).contains(a.element())) {
                    add(Kind.LOST_WRITE, t + (t.outcome() == Outcome.INDETERMINATE ? " (outcome unknown, but some of"
                            + " its appends were read)" : "") + ": " + a.element() + " is not in the final state of key "
                            + a.key() + " " + finalState.getOrDefault(a.key(), List.of()));
                }
            }
        }
    }

    private void checkCycles() {
        DependencyGraph graph = new DependencyGraph();
        order.forEach((key, versions) -> {
            for (int i = 0; i + 1 < versions.size(); i++) {
                Txn a = writerOf.get(versions.get(i));
                Txn b = writerOf.get(versions.get(i + 1));
                if (a != null && b != null && included(a) && included(b)) {
                    graph.add(new Edge(a.id(), b.id(), Type.WW, key));
                }
            }
        });
        for (ExternalRead r : externalReads) {
            List<Long> versions = order.get(r.key());
            if (!included(r.txn()) || !isPrefix(r.values(), versions)) {
                continue;
            }
            if (!r.values().isEmpty()) {
                Txn w = writerOf.get(r.values().get(r.values().size() - 1));
                if (w != null && included(w)) {
                    graph.add(new Edge(w.id(), r.txn().id(), Type.WR, r.key()));
                }
            }
            if (r.values().size() < versions.size()) {
                Txn next = writerOf.get(versions.get(r.values().size()));
                if (next != null && included(next)) {
                    graph.add(new Edge(r.txn().id(), next.id(), Type.RW, r.key()));
                }
            }
        }
        for (List<Edge> cycle : graph.cyclesWithoutAntiDependency()) {
            add(Kind.CYCLE_WITHOUT_ANTI_DEPENDENCY, describe(cycle));
        }
        for (List<Edge> cycle : graph.cyclesWithNonadjacentAntiDependencies()) {
            long rw = cycle.stream().filter(e -> e.type() == Type.RW).count();
            add(rw == 1 ? Kind.CYCLE_WITH_ONE_ANTI_DEPENDENCY : Kind.CYCLE_WITH_NONADJACENT_ANTI_DEPENDENCIES,
                    describe(cycle));
        }
    }

    private String describe(List<Edge> cycle) {
        StringBuilder sb = new StringBuilder("T").append(cycle.get(0).from());
        List<Long> ids = new ArrayList<>();
        for (Edge e : cycle) {
            sb.append(' ').append(e);
            ids.add(e.from());
        }
        sb.append(" where");
        for (Long id : ids) {
            sb.append(' ').append(byId.get(id)).append(';');
        }
        return sb.toString();
    }

    private String describeWriters(List<Long> a, List<Long> b) {
        int i = 0;
        while (i < a.size() && i < b.size() && a.get(i).equals(b.get(i))) {
            i++;
        }
        StringBuilder sb = new StringBuilder();
        if (i < a.size() && writerOf.containsKey(a.get(i))) {
            sb.append("; ").append(a.get(i)).append(" by ").append(writerOf.get(a.get(i)));
        }
        if (i < b.size() && writerOf.containsKey(b.get(i))) {
            sb.append("; ").append(b.get(i)).append(" by ").append(writerOf.get(b.get(i)));
        }
        return sb.toString();
    }

    private void add(Kind kind, String explanation) {
        if (reported.add(kind + explanation)) {
            anomalies.add(new Anomaly(kind, explanation));
        }
    }

    private static boolean isPrefix(List<Long> prefix, List<Long> of) {
        return prefix.size() <= of.size() && of.subList(0, prefix.size()).equals(prefix);
    }

    private static boolean endsWith(List<Long> values, List<Long> suffix) {
        return values.size() >= suffix.size() && values.subList(values.size() - suffix.size(), values.size()).equals(suffix);
    }
}
