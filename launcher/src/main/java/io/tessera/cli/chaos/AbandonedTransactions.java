package io.tessera.cli.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Transactions whose locks expired and were rolled back, as the shard nodes' logs tell it: when a
 * reader or writer meets a lock and asks the primary's shard about the transaction
 * ({@code CheckTxnStatus}), a primary lock past its TTL is rolled back and logged ("transaction N
 * expired M ms ago; rolling it back"). Those are transactions of clients that died, or stopped
 * heartbeating, with their locks in place.
 */
public final class AbandonedTransactions {
    private static final Pattern EXPIRED = Pattern.compile("transaction (\\d+) expired \\d+ ms ago; rolling it back");

    private AbandonedTransactions() {}

    /** The start timestamps of the transactions rolled back after expiring, over every node's log of the cluster. */
    public static Set<Long> rolledBack(FaultCluster cluster) throws IOException {
        Set<Long> out = new TreeSet<>();
        for (Member node : cluster.nodes()) {
            Path log = node.log();
            if (!Files.exists(log)) {
                continue;
            }
            Matcher m = EXPIRED.matcher(Files.readString(log, StandardCharsets.UTF_8));
            while (m.find()) {
                out.add(Long.parseLong(m.group(1)));
            }
        }
        return out;
    }
}
