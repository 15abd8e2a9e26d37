package io.tessera.cli.chaos;

import io.tessera.cli.chaos.bank.HistoryTail;
import io.tessera.cli.chaos.bank.TransferClientProcess;
import io.tessera.cli.chaos.bank.TransferHistory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The bank's transfer clients as separate processes of a {@link FaultCluster} ({@link
 * TransferClientProcess}), each incarnation with a name of its own ({@code client-1}, {@code
 * client-2}, ...), its own range of transfer ids and its own history file in {@code
 * <dir>/clients/}. A killed client is never restarted: a new one takes its place, as a user's new
 * process would. {@link #histories()} reads back what every client ever started recorded.
 */
public final class TransferClients {
    /** Transfer ids of client n are n * ID_RANGE + 0, 1, 2, ... */
    private static final long ID_RANGE = 1_000_000_000L;

    /** One started client process, its history file, and a tail following that file. */
    public record Client(String name, Member process, Path history, HistoryTail tail) {}

    private final FaultCluster cluster;
    private final int accounts;
    private final long maxAmount;
    private final long seed;
    private final Path dir;
    private final List<Client> started = new ArrayList<>();

    /**
     * @param accounts  accounts of the bank (ids 0..n-1)
     * @param maxAmount random transfers move 1..maxAmount
     */
    public TransferClients(FaultCluster cluster, int accounts, long maxAmount, long seed) {
        this.cluster = cluster;
        this.accounts = accounts;
        this.maxAmount = maxAmount;
        this.seed = seed;
        this.dir = cluster.dir().resolve("clients");
    }

    /** Starts a new client process; {@code jvmOptions} e.g. {@code -Dtessera.test.haltAfter=prewrite}. */
    public synchronized Client start(List<String> jvmOptions) throws IOException {
        Files.createDirectories(dir);
        int n = started.size() + 1;
        String name = "client-" + n;
        Path history = dir.resolve(name + ".history");
        List<String> options = new ArrayList<>();
        // A client lives seconds before it is killed: C2 compilations would only take CPU from the
        // cluster (2 cores in the tests) and delay its first transfer.
        options.add("-XX:TieredStopAtLevel=1");
        options.addAll(jvmOptions);
        Member process = cluster.client(name, options,
                TransferClientProcess.args(cluster.jdbcUrl(), history, accounts, maxAmount, n * ID_RANGE, seed * 1000 + n));
        Client c = new Client(name, process, history, new HistoryTail(history));
        started.add(c);
        process.start();
        return c;
    }

    /** Every client started so far. */
    public synchronized List<Client> started() {
        return List.copyOf(started);
    }

    /** The history of every client started so far (read the histories of clients still running only to report). */
    public List<TransferHistory> histories() throws IOException {
        List<TransferHistory> out = new ArrayList<>();
        for (Client c : started()) {
            out.add(TransferHistory.read(c.history()));
        }
        return out;
    }

    /** Kills every client still running (they are clients: nothing to stop gracefully). */
    public void killAll() throws IOException, InterruptedException {
        for (Client c : started()) {
            c.process().kill();
        }
    }
}
