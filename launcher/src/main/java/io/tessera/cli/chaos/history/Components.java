package io.tessera.cli.chaos.history;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * Strongly connected components of a directed graph over nodes {@code 0..n-1} (Tarjan's
 * algorithm, iterative: histories have thousands of transactions and recursion would overflow).
 */
final class Components {
    private Components() {}

    /** For each node, the index of its component; components of one node without a self-loop included. */
    static int[] of(List<int[]> successors) {
        int n = successors.size();
        int[] index = new int[n];
        int[] low = new int[n];
        int[] component = new int[n];
        boolean[] onStack = new boolean[n];
        Arrays.fill(index, -1);
        Deque<Integer> stack = new ArrayDeque<>();
        int next = 0;
        int components = 0;
        for (int root = 0; root < n; root++) {
            if (index[root] >= 0) {
                continue;
            }
            // Frames: {node, position of the next successor to visit}.
            Deque<int[]> frames = new ArrayDeque<>();
            frames.push(new int[] {root, 0});
            index[root] = low[root] = next++;
            stack.push(root);
            onStack[root] = true;
            while (!frames.isEmpty()) {
                int[] frame = frames.peek();
                int v = frame[0];
                int[] succ = successors.get(v);
                if (frame[1] < succ.length) {
                    int w = succ[frame[1]++];
                    if (index[w] < 0) {
                        index[w] = low[w] = next++;
                        stack.push(w);
                        onStack[w] = true;
                        frames.push(new int[] {w, 0});
                    } else if (onStack[w]) {
                        low[v] = Math.min(low[v], index[w]);
                    }
                    continue;
                }
                frames.pop();
                if (!frames.isEmpty()) {
                    int parent = frames.peek()[0];
                    low[parent] = Math.min(low[parent], low[v]);
                }
                if (low[v] == index[v]) {
                    int w;
                    do {
                        w = stack.pop();
                        onStack[w] = false;
                        component[w] = components;
                    } while (w != v);
                    components++;
                }
            }
        }
        return component;
    }

    /** Groups nodes by component, keeping only components of more than one node. */
    static List<List<Integer>> nontrivial(int[] component) {
        int count = 0;
        for (int c : component) {
            count = Math.max(count, c + 1);
        }
        List<List<Integer>> groups = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            groups.add(new ArrayList<>());
        }
        for (int v = 0; v < component.length; v++) {
            groups.get(component[v]).add(v);
        }
        groups.removeIf(g -> g.size() < 2);
        return groups;
    }
}
