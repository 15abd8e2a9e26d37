package io.tessera.cli.chaos;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A cluster of real processes on loopback for fault injection: one ZooKeeper ({@code tessera zk}),
 * one or more coordinators ({@code tessera coordinator}) and N shard nodes ({@code tessera node},
 * each with its own data directory and a fixed id), all child JVMs of this one. Any member can be
 * killed ({@code kill -9}), paused ({@code kill -STOP}) and resumed, and restarted with the same
 * id and data. Layout: {@code <dir>/zk}, {@code <dir>/node-i/} (replica files, {@code node.log}),
 * {@code <dir>/coordinator-i.log}, {@code <dir>/zk.log}, {@code <dir>/classpath/} (the children's
 * classes, copied at start, deleted at {@link #close()}).
 */
public final class FaultCluster implements AutoCloseable {
    private static final Pattern ZK_SERVING = Pattern.compile("ZooKeeper serving (\\S+)");
    private static final Duration STOP_GRACE = Duration.ofSeconds(20);

    /**
     * @param dir          data and logs
     * @param nodes        shard node processes
     * @param coordinators coordinator processes (one leads)
     * @param durability   {@code sync} or {@code memory}
     * @param startTimeout how long to wait for the cluster to come up
     * @param nodeArgs     further {@code tessera node} flags, e.g. {@code --log-retention=200}
     */
    public record Settings(Path dir, int nodes, int coordinators, String durability, Duration startTimeout,
                           List<String> nodeArgs) {
        public Settings(Path dir, int nodes, int coordinators, String durability, Duration startTimeout) {
            this(dir, nodes, coordinators, durability, startTimeout, List.of());
        }
    }

    private final Settings settings;
    private final Path dir;
    private final String cluster = "default";
    private String classpath;
    private Member zookeeper;
    private String zkConnect;
    private final List<Member> coordinators = new ArrayList<>();
    private final List<Member> nodes = new ArrayList<>();
    private ClusterView view;
    private boolean closed;

    private FaultCluster(Settings settings) {
        this.settings = settings;
        this.dir = settings.dir().toAbsolutePath().normalize();
    }

    /** Starts ZooKeeper, the coordinators and the nodes; returns when every node is live and a coordinator leads. */
    public static FaultCluster start(Settings settings) throws IOException, InterruptedException {
        FaultCluster c = new FaultCluster(settings);
        try {
            c.startAll();
            return c;
        } catch (IOException | InterruptedException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private void startAll() throws IOException, InterruptedException {
        Files.createDirectories(dir);
        classpath = snapshotClasspath(dir.resolve("classpath"));
        Duration timeout = settings.startTimeout();
        zookeeper = new Member(Member.Role.ZOOKEEPER, "zk",
                command(classpath, List.of("-Xmx256m"), "zk", "--port", "0", "--data", dir.resolve("zk").toString()),
                dir.resolve("zk.log"));
        zookeeper.start();
        zkConnect = awaitZooKeeper(timeout);
        for (int i = 1; i <= settings.coordinators(); i++) {
            String id = "coordinator-" + i;
            Member m = new Member(Member.Role.COORDINATOR, id,
                    command(classpath, List.of("-Xmx384m"), "coordinator", "--zk", zkConnect, "--cluster", cluster, "--id", id,
                            "--port", "0", "--replicas", "3"),
                    dir.resolve(id + ".log"));
            coordinators.add(m);
            m.start();
        }
        for (int i = 1; i <= settings.nodes(); i++) {
            String id = "node-" + i;
            Path nodeDir = dataDir(id);
            Files.createDirectories(nodeDir);
            List<String> args = new ArrayList<>(List.of("node", "--zk", zkConnect, "--cluster", cluster, "--id", id,
                    "--data", nodeDir.toString(), "--port", "0",
                    "--durability", settings.durability().toLowerCase(Locale.ROOT)));
            args.addAll(settings.nodeArgs());
            Member m = new Member(Member.Role.NODE, id,
                    command(classpath, List.of("-Xmx512m"), args.toArray(String[]::new)),
                    nodeDir.resolve("node.log"));
            nodes.add(m);
            m.start();
        }
        view = ClusterView.connect(zkConnect, cluster, timeout);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (Member m : members()) {
                if (!m.alive()) {
                    throw new IOException(m.describeExit());
                }
            }
            try {
                if (view.liveNodes().size() == nodes.size() && view.leaderCoordinator().isPresent()) {
                    return;
                }
            } catch (Exception e) {
                // ZooKeeper hiccup: poll again
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("cluster not up after " + timeout + ": live nodes " + liveNodesOrError()
                        + ", logs in " + dir);
            }
            Thread.sleep(100);
        }
    }

    private String liveNodesOrError() {
        try {
            return view.liveNodes().keySet().toString();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private String awaitZooKeeper(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(zookeeper.log())) {
                Matcher m = ZK_SERVING.matcher(Files.readString(zookeeper.log(), StandardCharsets.UTF_8));
                if (m.find()) {
                    return m.group(1);
                }
            }
            if (!zookeeper.alive()) {
                throw new IOException(zookeeper.describeExit());
            }
            Thread.sleep(100);
        }
        throw new IOException("ZooKeeper did not start within " + timeout + "; see " + zookeeper.log());
    }

    /**
     * Copies this JVM's classpath (jars, class directories, {@code dir/*} wildcards) under {@code into}
     * and returns the copy's classpath. Processes restarted during a run then load the same classes
     * as at its start, even when a build replaces the jars meanwhile (a restarted node otherwise fails
     * with NoClassDefFoundError).
     */
    static String snapshotClasspath(Path into) throws IOException {
        Files.createDirectories(into);
        List<String> out = new ArrayList<>();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            List<Path> sources = new ArrayList<>();
            if (entry.endsWith("*")) {
                Path d = Paths.get(entry.substring(0, entry.length() - 1));
                if (Files.isDirectory(d)) {
                    try (DirectoryStream<Path> jars = Files.newDirectoryStream(d, "*.{jar,JAR}")) {
                        jars.forEach(sources::add);
                    }
                }
            } else {
                sources.add(Paths.get(entry));
            }
            for (Path src : sources) {
                if (!Files.exists(src)) {
                    continue;
                }
                Path dst = into.resolve((i++) + "-" + src.getFileName());
                if (Files.isDirectory(src)) {
                    try (Stream<Path> tree = Files.walk(src)) {
                        for (Path f : (Iterable<Path>) tree::iterator) {
                            Path t = dst.resolve(src.relativize(f).toString());
                            if (Files.isDirectory(f)) {
                                Files.createDirectories(t);
                            } else {
                                Files.copy(f, t, StandardCopyOption.REPLACE_EXISTING);
                            }
                        }
                    }
                } else {
                    Files.copy(src, dst, StandardCopyOption.REPLACE_EXISTING);
                }
                out.add(dst.toString());
            }
        }
        return String.join(File.pathSeparator, out);
    }

    private static List<String> command(String classpath, List<String> heap, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaExecutable());
        cmd.addAll(heap);
        cmd.add("-XX:+UseSerialGC");
        String level = System.getProperty("tessera.log.level");
        if (level != null) {
            cmd.add("-Dtessera.log.level=" + level);
        }
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(ChildMain.class.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static String javaExecutable() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    public String zkConnect() {
        return zkConnect;
    }

    public String cluster() {
        return cluster;
    }

    public String jdbcUrl() {
        return "jdbc:tessera://" + zkConnect + "/" + cluster;
    }

    public Path dir() {
        return dir;
    }

    public Path dataDir(String nodeId) {
        return dir.resolve(nodeId);
    }

    public ClusterView view() {
        return view;
    }

    public List<Member> nodes() {
        return List.copyOf(nodes);
    }

    public List<Member> coordinators() {
        return List.copyOf(coordinators);
    }

    public Member node(String id) {
        return nodes.stream().filter(m -> m.name().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no node " + id));
    }

    public Optional<Member> coordinator(String id) {
        return coordinators.stream().filter(m -> m.name().equals(id)).findFirst();
    }

    /** Every process, ZooKeeper first. */
    public List<Member> members() {
        List<Member> all = new ArrayList<>();
        if (zookeeper != null) {
            all.add(zookeeper);
        }
        all.addAll(coordinators);
        all.addAll(nodes);
        return all;
    }

    /**
     * A client process, not started: {@code ChildMain} with {@code args} on the same copy of the
     * classpath as the cluster, its output in {@code <dir>/clients/<name>.log}. Clients are not
     * {@link #members()}: they come and go (a killed client is replaced by a new one), and the
     * cluster's health is not theirs. {@code jvmOptions} may set e.g. a fault-injection property.
     */
    public Member client(String name, List<String> jvmOptions, List<String> args) {
        List<String> options = new ArrayList<>(List.of("-Xmx256m"));
        options.addAll(jvmOptions);
        return new Member(Member.Role.CLIENT, name, command(classpath, options, args.toArray(String[]::new)),
                dir.resolve("clients").resolve(name + ".log"));
    }

    /** Waits until {@code nodeId} is registered in {@code /nodes/live}; false after {@code timeout}. */
    public boolean awaitLive(String nodeId, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (view.liveNodes().containsKey(nodeId)) {
                    return true;
                }
            } catch (Exception e) {
                // poll again
            }
            Thread.sleep(50);
        }
        return false;
    }

    /**
     * Graceful stop of everything: the coordinators first (so nothing reconfigures the shards while
     * the nodes go), then every node at once (SIGTERM, their shutdown hooks close the replica files),
     * then ZooKeeper. Returns the members that had to be killed after the grace period.
     */
    public List<String> stopGracefully() throws InterruptedException {
        List<String> forced = new ArrayList<>();
        stopAll(coordinators, forced);
        stopAll(nodes, forced);
        if (view != null) {
            view.close();
            view = null;
        }
        if (zookeeper != null) {
            stopAll(List.of(zookeeper), forced);
        }
        return forced;
    }

    private static void stopAll(List<Member> members, List<String> forced) throws InterruptedException {
        ExecutorService pool = Executors.newCachedThreadPool();
        try {
            List<Future<Boolean>> stops = new ArrayList<>();
            for (Member m : members) {
                stops.add(pool.submit(() -> m.stop(STOP_GRACE)));
            }
            for (int i = 0; i < members.size(); i++) {
                try {
                    if (!stops.get(i).get()) {
                        forced.add(members.get(i).name());
                    }
                } catch (java.util.concurrent.ExecutionException e) {
                    forced.add(members.get(i).name() + " (" + e.getCause() + ")");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Kills whatever still runs (after a failure); data stays. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (view != null) {
            view.close();
        }
        for (Member m : members()) {
            try {
                m.stop(Duration.ofSeconds(5));
            } catch (IOException | InterruptedException e) {
                // best effort
            }
        }
        deleteTree(dir.resolve("classpath")); // a copy of the build, not evidence
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> tree = Files.walk(root)) {
            for (Path p : (Iterable<Path>) tree.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // leave it
        }
    }
}
