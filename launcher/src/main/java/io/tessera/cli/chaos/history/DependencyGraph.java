package io.tessera.cli.chaos.history;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adya's dependency graph between committed transactions: write-write (ww: the next version of a
 * key), write-read (wr: a read of the version a transaction wrote) and read-write anti-dependencies
 * (rw: a transaction read a version, another wrote the next one). Snapshot isolation allows exactly
 * the histories in which every cycle has two adjacent rw edges (Cerone and Gotsman, "Analysing
 * snapshot isolation", 2016): write skew is such a cycle. Any other cycle is a violation.
 */
final class DependencyGraph {
    enum Type { WW, WR, RW }

    record Edge(long from, long to, Type type, long key) {
        @Override
        public String toString() {
            return "-" + type.name().toLowerCase(java.util.Locale.ROOT) + "(key " + key + ")-> T" + to;
        }
    }

    private final Map<Long, Integer> indexOf = new LinkedHashMap<>();
    private final List<Long> ids = new ArrayList<>();
    private final List<List<Edge>> out = new ArrayList<>();

    void add(Edge e) {
        if (e.from() == e.to()) {
            return;
        }
        out.get(node(e.from())).add(e);
        node(e.to());
    }

    private int node(long id) {
        Integer i = indexOf.get(id);
        if (i == null) {
            i = ids.size();
            indexOf.put(id, i);
            ids.add(id);
            out.add(new ArrayList<>());
        }
        return i;
    }

    int edges() {
        return out.stream().mapToInt(List::size).sum();
    }

    /** One cycle per group of transactions that depend on each other through ww and wr edges only (G0/G1c). */
    List<List<Edge>> cyclesWithoutAntiDependency() {
        int n = ids.size();
        List<int[]> succ = new ArrayList<>();
        for (int v = 0; v < n; v++) {
            succ.add(out.get(v).stream().filter(e -> e.type() != Type.RW).mapToInt(e -> indexOf.get(e.to())).toArray());
        }
        List<List<Edge>> cycles = new ArrayList<>();
        for (List<Integer> group : Components.nontrivial(Components.of(succ))) {
            cycles.add(cycleThrough(group.get(0) * 2, stateGraph(false), group.stream()
                    .mapToInt(v -> v * 2).toArray()));
        }
        return cycles;
    }

    /**
     * One cycle per group of transactions that contains a cycle with at least one rw edge and no two
     * rw edges next to each other (G-single, G-nonadjacent). Searched in a graph of states
     * (transaction, "the last edge was rw"): an rw edge may only leave a state reached by a non-rw
     * edge, so every cycle of states is such a cycle of transactions, wrap-around included.
     */
    List<List<Edge>> cyclesWithNonadjacentAntiDependencies() {
        List<List<StateEdge>> states = stateGraph(true);
        List<int[]> succ = new ArrayList<>();
        for (List<StateEdge> edges : states) {
            succ.add(edges.stream().mapToInt(StateEdge::to).toArray());
        }
        int[] component = Components.of(succ);
        List<List<Edge>> cycles = new ArrayList<>();
        for (List<Integer> group : Components.nontrivial(component)) {
            // A state entered by an rw edge: the cycle through it has at least one rw edge.
            group.stream().filter(s -> s % 2 == 1).findFirst().ifPresent(start ->
                    cycles.add(cycleThrough(start, states, group.stream().mapToInt(Integer::intValue).toArray())));
        }
        return cycles;
    }

    private record StateEdge(int to, Edge edge) {}

    /** States 2v (last edge not rw) and 2v+1 (last edge rw); without rw edges when {@code withRw} is false. */
    private List<List<StateEdge>> stateGraph(boolean withRw) {
        List<List<StateEdge>> states = new ArrayList<>();
        for (int v = 0; v < ids.size(); v++) {
            states.add(new ArrayList<>());
            states.add(new ArrayList<>());
        }
        for (int v = 0; v < ids.size(); v++) {
            for (Edge e : out.get(v)) {
                int w = indexOf.get(e.to());
                if (e.type() == Type.RW) {
                    if (withRw) {
                        states.get(2 * v).add(new StateEdge(2 * w + 1, e));
                    }
                } else {
                    states.get(2 * v).add(new StateEdge(2 * w, e));
                    states.get(2 * v + 1).add(new StateEdge(2 * w, e));
                }
            }
        }
        return states;
    }

    /** A shortest cycle from {@code start} back to it, staying inside {@code allowed} states. */
    private static List<Edge> cycleThrough(int start, List<List<StateEdge>> states, int[] allowed) {
        java.util.Set<Integer> inside = new java.util.HashSet<>();
        for (int s : allowed) {
            inside.add(s);
        }
        Map<Integer, StateEdge> cameBy = new HashMap<>();
        Map<Integer, Integer> cameFrom = new HashMap<>();
        Deque<Integer> queue = new ArrayDeque<>();
        queue.add(start);
        while (!queue.isEmpty()) {
            int s = queue.poll();
            for (StateEdge e : states.get(s)) {
                if (!inside.contains(e.to())) {
                    continue;
                }
                if (e.to() == start) {
                    List<Edge> cycle = new ArrayList<>();
                    cycle.add(e.edge());
                    for (int at = s; at != start; at = cameFrom.get(at)) {
                        cycle.add(0, cameBy.get(at).edge());
                    }
                    return cycle;
                }
                if (!cameBy.containsKey(e.to())) {
                    cameBy.put(e.to(), e);
                    cameFrom.put(e.to(), s);
                    queue.add(e.to());
                }
            }
        }
        throw new IllegalStateException("no cycle through a state of a strongly connected component");
    }
}
