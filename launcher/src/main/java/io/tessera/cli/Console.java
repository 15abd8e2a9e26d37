package io.tessera.cli;

import io.tessera.jdbc.TesseraDriver;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import sqlline.SqlLine;
import sqlline.SqlLineOpts;

/** Runs sqlline in this process on the Tessera driver. */
final class Console {
    /** Table width when the console is not a terminal. */
    static final int PIPE_WIDTH = 200;

    private Console() {}

    /** Runs the console until it quits (or its script ends); returns the exit code. */
    static int run(String url, String user, String password, List<String> extraArgs) throws IOException {
        List<String> args = new ArrayList<>(List.of(
                "-d", TesseraDriver.class.getName(),
                "-u", url,
                "-n", user,
                "-p", password));
        args.addAll(extraArgs);
        // sqlline asks for REPEATABLE READ by default and warns that it is unsupported.
        if (extraArgs.stream().noneMatch(a -> a.startsWith("--isolation"))) {
            args.add("--isolation=TRANSACTION_READ_COMMITTED");
        }
        if (System.console() == null) {
            // Input or output is a pipe or file (scripts, tests): ask for jline's plain terminal up
            // front instead of letting it warn that it cannot open the system terminal, and give
            // tables a width (a plain terminal has none, so every column would be cut to nothing).
            if (System.getProperty("org.jline.terminal.dumb") == null) {
                System.setProperty("org.jline.terminal.dumb", "true");
            }
            if (extraArgs.stream().noneMatch(a -> a.startsWith("--maxWidth"))) {
                args.add("--maxWidth=" + PIPE_WIDTH);
            }
        }
        // Without this, SqlLine.start calls System.exit itself when the console quits.
        System.setProperty(SqlLineOpts.PROPERTY_NAME_EXIT, "true");
        SqlLine.Status status = SqlLine.start(args.toArray(new String[0]), null, true);
        return status == SqlLine.Status.OK ? 0 : 1;
    }
}
