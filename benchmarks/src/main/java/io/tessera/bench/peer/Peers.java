package io.tessera.bench.peer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Creates peers by id. */
public final class Peers {
    public static final List<String> ALL = List.of("h2", "h2tcp", "postgres", "shardingsphere", "tessera", "tessera-rf3");

    private Peers() {}

    public static Peer create(String id) {
        return create(id, 3);
    }

    /** {@code nodes}: shard nodes for Tessera (the other peers ignore it). */
    public static Peer create(String id, int nodes) {
        switch (id.toLowerCase(Locale.ROOT)) {
            case "h2": return new H2EmbeddedPeer();
            case "h2tcp": return new H2TcpPeer();
            case "postgres": case "pg": case "postgresql": return new PostgresPeer();
            case "shardingsphere": case "ss": return new ShardingSpherePeer(3);
            case "tessera": return new TesseraPeer(nodes, 1);
            case "tessera-rf3": return new TesseraPeer(Math.max(nodes, 3), 3);
            default: throw new IllegalArgumentException("unknown peer '" + id + "'; known: " + ALL);
        }
    }

    public static List<String> parse(String csv) {
        List<String> out = new ArrayList<>();
        for (String s : csv.split(",")) {
            if (!s.isBlank()) {
                create(s.trim()); // validates the id
                out.add(s.trim().toLowerCase(Locale.ROOT));
            }
        }
        return out;
    }
}
