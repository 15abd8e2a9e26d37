package io.tessera.cli.chaos.bank;

import io.tessera.cli.chaos.txn.ErrorTally;
import io.tessera.cli.chaos.txn.TransactionRunner;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bank transfer client as a process of its own (started by the chaos harness through {@code
 * ChildMain transfer-client ...}): one {@link TransferClient} on one JDBC connection, recording every
 * transfer to a {@link TransferHistoryFile}, until it is killed. The JDBC driver embeds the frontend
 * (planner, two-phase commit, heartbeats), so a {@code kill -9} of this process kills a client and
 * its frontend mid-transaction, which is what the harness wants to see survived.
 */
public final class TransferClientProcess {
    /** The first argument that makes {@code ChildMain} run a transfer client. */
    public static final String COMMAND = "transfer-client";
    private static final Logger LOG = LoggerFactory.getLogger(TransferClientProcess.class);

    private TransferClientProcess() {}

    /**
     * The arguments of {@code ChildMain} for a client.
     *
     * @param firstId the first transfer id it uses (then +1 per attempt): give every client its own range
     */
    public static List<String> args(String url, Path history, int accounts, long maxAmount, long firstId, long seed) {
        return List.of(COMMAND, "--url", url, "--history", history.toString(), "--accounts", Integer.toString(accounts),
                "--max-amount", Long.toString(maxAmount), "--first-id", Long.toString(firstId), "--seed",
                Long.toString(seed));
    }

    /** Runs transfers until the process is killed; returns an exit status only on bad arguments or a failed history. */
    public static int run(List<String> args) {
        Map<String, String> opts = new HashMap<>();
        for (int i = 1; i + 1 < args.size(); i += 2) {
            opts.put(args.get(i), args.get(i + 1));
        }
        for (String required : List.of("--url", "--history", "--accounts", "--max-amount", "--first-id", "--seed")) {
            if (!opts.containsKey(required)) {
                System.err.println(COMMAND + ": missing " + required + " in " + args);
                return 2;
            }
        }
        Path history = Path.of(opts.get("--history"));
        AtomicLong ids = new AtomicLong(Long.parseLong(opts.get("--first-id")));
        ErrorTally errors = new ErrorTally();
        LOG.info("Transfer client: history {}, transfer ids from {}, URL {}", history, ids.get(), opts.get("--url"));
        try (TransferHistoryFile file = new TransferHistoryFile(history);
             TransactionRunner runner = new TransactionRunner(opts.get("--url"), errors)) {
            TransferClient client = new TransferClient(Integer.parseInt(opts.get("--accounts")),
                    Long.parseLong(opts.get("--max-amount")), ids::getAndIncrement,
                    new SplittableRandom(Long.parseLong(opts.get("--seed"))), file);
            client.run(runner, () -> false);
            return 0;
        } catch (Exception e) {
            LOG.error("Transfer client with history {} failed (errors so far: {})", history, errors, e);
            return 1;
        }
    }
}
