package io.tessera.node;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.tessera.node.membership.NodeRegistration;
import io.tessera.node.replication.ReplicationServer;
import io.tessera.node.replication.Replication;
import io.tessera.node.rpc.ShardService;
import io.tessera.node.storage.ReplicaSet;
import io.tessera.protocol.proto.NodeInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A shard node: the replicas in its data directory, served by the {@code ShardService} gRPC server,
 * announced in ZooKeeper. {@link #start()} opens every replica found, starts the server and registers;
 * {@link #close()} undoes it in reverse order. Restarting on the same data directory keeps the data
 * and the node id.
 */
public final class ShardNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ShardNode.class);
    private static final String NODE_ID_FILE = "node.id";
    private static final long REGISTER_TIMEOUT_MILLIS = 30_000;

    private final ShardNodeConfig config;
    private final String nodeId;
    private final String host;
    private final ReplicaSet replicas;
    private ExecutorService executor;
    private Server server;
    private NodeRegistration registration;
    private CuratorFramework zk;
    private Replication replication;
    private volatile String address;
    private boolean started;
    private boolean closed;

    public ShardNode(ShardNodeConfig config) {
        this.config = config;
        this.host = config.host() != null ? config.host() : InetAddress.getLoopbackAddress().getHostAddress();
        this.nodeId = resolveNodeId(config);
        this.replicas = new ReplicaSet(config.dataDir(), config.durability());
    }

    private static String resolveNodeId(ShardNodeConfig config) {
        if (config.nodeId() != null && !config.nodeId().isBlank()) {
            return config.nodeId();
        }
        String generated = "node-" + UUID.randomUUID().toString().substring(0, 8);
        if (config.dataDir() == null) {
            return generated;
        }
        Path file = config.dataDir().resolve(NODE_ID_FILE);
        try {
            if (Files.exists(file)) {
                String id = Files.readString(file, StandardCharsets.UTF_8).trim();
                if (!id.isEmpty()) {
                    return id;
                }
            }
            Files.createDirectories(config.dataDir());
            Files.writeString(file, generated + "\n", StandardCharsets.UTF_8);
            return generated;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write the node id in " + file, e);
        }
    }

    /** Opens the replicas, starts the gRPC server and registers in ZooKeeper (when configured). */
    public synchronized ShardNode start() throws IOException, InterruptedException {
        if (started) {
            throw new IllegalStateException("node " + nodeId + " already started");
        }
        started = true;
        try {
            replicas.openAll();
            AtomicInteger threads = new AtomicInteger();
            executor = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "tessera-node-" + nodeId + "-rpc-" + threads.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            if (config.zkConnect() != null && !config.zkConnect().isBlank()) {
                zk = NodeRegistration.connect(config.zkConnect(), config.cluster(), nodeId,
                        (int) config.replication().zkSessionTimeout().toMillis());
            }
            replication = new Replication(nodeId, replicas, config.replication(), zk, () -> address);
            server = NettyServerBuilder.forAddress(new InetSocketAddress(host, config.port()))
                    .executor(executor)
                    .addService(new ShardService(nodeId, replicas, replication))
                    .addService(new ReplicationServer(replication))
                    .maxInboundMessageSize(64 * 1024 * 1024)
                    .build()
                    .start();
            int port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
            address = (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
            replication.start();
            if (zk != null) {
                NodeInfo info = NodeInfo.newBuilder().setNodeId(nodeId).setAddress(address)
                        .setStartedAtMillis(System.currentTimeMillis()).build();
                CuratorFramework client = zk;
                registration = NodeRegistration.register(client, info, REGISTER_TIMEOUT_MILLIS);
            }
            log.info("shard node {} serving {} replicas at {} (data {}, durability {})", nodeId, replicas.shardIds().size(),
                    address, config.dataDir() == null ? "in memory" : config.dataDir(), config.durability());
            return this;
        } catch (IOException | InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** {@code host:port} of the gRPC server (after {@link #start()}). */
    public String address() {
        if (address == null) {
            throw new IllegalStateException("node " + nodeId + " is not started");
        }
        return address;
    }

    public int port() {
        String a = address();
        return Integer.parseInt(a.substring(a.lastIndexOf(':') + 1));
    }

    public String nodeId() {
        return nodeId;
    }

    public ShardNodeConfig config() {
        return config;
    }

    /** The shards this node holds a replica of. */
    public List<Long> shardIds() {
        return replicas.shardIds();
    }

    /** The node's replication layer (for tests). */
    public Replication replication() {
        return replication;
    }

    /** The node's replicas (for tests and embedded tooling). */
    public ReplicaSet replicas() {
        return replicas;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (replication != null) {
            replication.close();
        }
        if (registration != null) {
            registration.close();
        } else if (zk != null) {
            zk.close();
        }
        if (server != null) {
            server.shutdown();
            try {
                if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                    server.shutdownNow();
                    server.awaitTermination(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                server.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        if (executor != null) {
            executor.shutdownNow();
        }
        replicas.close();
        log.info("shard node {} stopped", nodeId);
    }
}
