package io.tessera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.node.storage.Durability;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Flags, {@code --config} files, and which wins. */
class CommandLineConfigTest {

    @TempDir
    Path dir;

    private static CommandLine cli(Properties config) {
        CommandLine cli = new CommandLine(new TesseraCli()).setCaseInsensitiveEnumValuesAllowed(true);
        if (config != null) {
            cli.setDefaultValueProvider(new TesseraCli.ConfigDefaults(config));
        }
        return cli;
    }

    @Test
    void configFileSuppliesOptionsAndFlagsOverrideIt() throws Exception {
        Path file = dir.resolve("node.properties");
        Files.writeString(file, "zk=zk1:2181,zk2:2181\ncluster=prod\nport=7001\nnode.durability=memory\nid=n7\n");
        String[] args = {"node", "--config", file.toString(), "--port", "7002"};
        Properties config = TesseraCli.loadConfig(args);
        CommandLine.ParseResult r = cli(config).parseArgs(args);
        NodeCommand node = (NodeCommand) r.subcommand().commandSpec().userObject();
        assertThat(node.zk).isEqualTo("zk1:2181,zk2:2181");
        assertThat(node.cluster).isEqualTo("prod");
        assertThat(node.port).isEqualTo(7002);
        assertThat(node.durability).isEqualTo(Durability.MEMORY);
        assertThat(node.id).isEqualTo("n7");
        assertThat(node.data).isNull();
    }

    @Test
    void qualifiedKeysApplyToTheirCommandOnly() throws Exception {
        Properties config = new Properties();
        config.setProperty("coordinator.port", "9000");
        config.setProperty("port", "9100");
        CommandLine.ParseResult r = cli(config).parseArgs("coordinator");
        assertThat(((CoordinatorCommand) r.subcommand().commandSpec().userObject()).port).isEqualTo(9000);
        r = cli(config).parseArgs("zk");
        assertThat(((ZkCommand) r.subcommand().commandSpec().userObject()).port).isEqualTo(9100);
    }

    @Test
    void defaultsWithoutConfig() {
        CommandLine.ParseResult r = cli(null).parseArgs("local");
        LocalCommand local = (LocalCommand) r.subcommand().commandSpec().userObject();
        assertThat(local.nodes).isEqualTo(3);
        assertThat(local.zkPort).isEqualTo(2181);
        assertThat(local.data.toString()).isEqualTo("data/local");
        assertThat(local.durability).isEqualTo(Durability.SYNC);
    }

    @Test
    void sqlPassesUnknownArgumentsToSqlline() {
        CommandLine.ParseResult r = cli(null).parseArgs("sql", "--url", "jdbc:tessera:mem:x", "-f", "a.sql", "--color=false");
        SqlCommand sql = (SqlCommand) r.subcommand().commandSpec().userObject();
        assertThat(sql.url).isEqualTo("jdbc:tessera:mem:x");
        assertThat(sql.sqllineArgs).containsExactly("-f", "a.sql", "--color=false");
    }

    @Test
    void helpListsEveryRole() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        CommandLine cli = cli(null);
        cli.setOut(new java.io.PrintWriter(new PrintStream(buf, true, StandardCharsets.UTF_8), true));
        assertThat(cli.execute("--help")).isZero();
        assertThat(buf.toString(StandardCharsets.UTF_8))
                .contains("demo", "local", "zk", "coordinator", "node", "sql", "status", "bench");
    }

    @Test
    void benchInTheLauncherPointsToBinTesseraBench() {
        assertThat(cli(null).execute("bench")).isEqualTo(1);
    }
}
