package io.tessera.cli.chaos;

import io.tessera.cli.TesseraCli;
import io.tessera.cli.chaos.bank.TransferClientProcess;
import java.util.List;

/**
 * Entry point of every process a {@link FaultCluster} starts: the ordinary {@code tessera} command
 * line ({@code zk}, {@code coordinator}, {@code node}), plus "exit when the parent dies" for every
 * role, so that a harness that is itself killed leaves no ZooKeeper or coordinator behind. With
 * {@code transfer-client ...} as arguments it runs a bank transfer client instead
 * ({@link TransferClientProcess}): a JDBC client the harness kills mid-transaction.
 */
public final class ChildMain {
    private ChildMain() {}

    public static void main(String[] args) {
        // System.exit runs the role's shutdown hooks: a graceful stop, as on SIGTERM.
        ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> System.exit(0)));
        if (args.length > 0 && args[0].equals(TransferClientProcess.COMMAND)) {
            System.exit(TransferClientProcess.run(List.of(args)));
        }
        System.exit(TesseraCli.run(args));
    }
}
