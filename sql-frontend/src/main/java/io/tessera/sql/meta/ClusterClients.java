package io.tessera.sql.meta;

import java.util.HashMap;
import java.util.Map;

/**
 * The process-wide registry of {@link ClusterClient}s, so all JDBC connections of this JVM to one
 * cluster share one ZooKeeper session, one metadata cache and one coordinator channel. Every
 * {@link #acquire} must be matched by one {@link ClusterClient#close()}; the last one closes it.
 */
public final class ClusterClients {
    private record Key(String zkConnect, String cluster) {}

    private static final Map<Key, ClusterClient> CLIENTS = new HashMap<>();
    private static final Map<ClusterClient, Integer> REFERENCES = new HashMap<>();

    private ClusterClients() {}

    /**
     * The shared client of ({@code zkConnect}, {@code cluster}), connecting it on first use.
     *
     * @throws io.tessera.sql.error.TesseraException 08006 when the cluster cannot be reached
     */
    public static ClusterClient acquire(String zkConnect, String cluster) {
        Key key = new Key(zkConnect, cluster);
        synchronized (ClusterClients.class) {
            ClusterClient shared = CLIENTS.get(key);
            if (shared != null) {
                REFERENCES.merge(shared, 1, Integer::sum);
                return shared;
            }
            // Connecting under the lock keeps concurrent first connections from opening twice.
            ClusterClient client = ClusterClient.open(zkConnect, cluster, ClusterClients::release);
            CLIENTS.put(key, client);
            REFERENCES.put(client, 1);
            return client;
        }
    }

    /** Number of live shared clients; for tests and status. */
    public static synchronized int size() {
        return CLIENTS.size();
    }

    private static synchronized boolean release(ClusterClient client) {
        Integer refs = REFERENCES.get(client);
        if (refs == null) {
            return false; // released more often than acquired: already closed
        }
        if (refs > 1) {
            REFERENCES.put(client, refs - 1);
            return false;
        }
        REFERENCES.remove(client);
        CLIENTS.remove(new Key(client.zkConnect(), client.cluster()));
        return true;
    }
}
