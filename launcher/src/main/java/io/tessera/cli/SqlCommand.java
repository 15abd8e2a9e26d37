package io.tessera.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/** {@code tessera sql}: the sqlline console on the Tessera driver. */
@Command(name = "sql", mixinStandardHelpOptions = true,
        description = {
            "Open the SQL console (sqlline) on a Tessera URL. Further arguments go to sqlline,",
            "e.g. -f script.sql, -e \"select 1\", --outputformat=csv."})
final class SqlCommand implements Callable<Integer> {
    @Mixin
    ConfigFile configFile;

    @Option(names = {"--url", "-u"}, defaultValue = "jdbc:tessera://127.0.0.1:2181/default",
            description = "JDBC URL (default: ${DEFAULT-VALUE}); also jdbc:tessera:local:DIR or jdbc:tessera:mem:NAME.")
    String url;

    @Option(names = {"--user", "-n"}, defaultValue = "tessera", description = "User name (accepted, not checked).")
    String user;

    @Option(names = {"--password", "-p"}, defaultValue = "", description = "Password (accepted, not checked).")
    String password;

    @Unmatched
    List<String> sqllineArgs = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        return Console.run(url, user, password, sqllineArgs);
    }
}
