package io.tessera.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Paths;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TesseraUrlParsingTest {

    @Test
    void remoteUrlNamesZooKeeperServersAndCluster() throws SQLException {
        TesseraUrl u = TesseraUrl.parse("jdbc:tessera://zk1:2181,zk2:2182/sales");
        assertThat(u.kind()).isEqualTo(TesseraUrl.Kind.REMOTE);
        assertThat(u.zkConnect()).isEqualTo("zk1:2181,zk2:2182");
        assertThat(u.cluster()).isEqualTo("sales");
        assertThat(u.embedded()).isFalse();
        assertThat(u.parameters()).isEmpty();
    }

    @Test
    void remoteUrlDefaultsPortAndCluster() throws SQLException {
        assertThat(TesseraUrl.parse("jdbc:tessera://zk1").zkConnect()).isEqualTo("zk1:2181");
        assertThat(TesseraUrl.parse("jdbc:tessera://zk1").cluster()).isEqualTo("default");
        assertThat(TesseraUrl.parse("jdbc:tessera://zk1:2200/").cluster()).isEqualTo("default");
        assertThat(TesseraUrl.parse("jdbc:tessera://[::1]:2181/db").zkConnect()).isEqualTo("[::1]:2181");
        assertThat(TesseraUrl.parse("jdbc:tessera://[::1]/db").zkConnect()).isEqualTo("[::1]:2181");
    }

    @Test
    void parametersFollowSemicolonsAndKeepTheirOrder() throws SQLException {
        TesseraUrl u = TesseraUrl.parse("jdbc:tessera://h:1/db;lex=JAVA;nodes=5;");
        assertThat(u.parameters()).containsExactly(Map.entry("lex", "JAVA"), Map.entry("nodes", "5"));
        assertThat(u.toString()).isEqualTo("jdbc:tessera://h:1/db;lex=JAVA;nodes=5");
    }

    @Test
    void urlParametersWinOverProperties() throws SQLException {
        TesseraUrl u = TesseraUrl.parse("jdbc:tessera:mem:x;nodes=2");
        Properties info = new Properties();
        info.setProperty("nodes", "4");
        info.setProperty("close_delay", "0");
        assertThat(u.intParameter("nodes", info, 3)).isEqualTo(2);
        assertThat(u.intParameter("close_delay", info, -1)).isZero();
        assertThat(u.intParameter("zk_port", info, 7)).isEqualTo(7);
    }

    @Test
    void localUrlNamesADirectory() throws SQLException {
        TesseraUrl u = TesseraUrl.parse("jdbc:tessera:local:/var/lib/tessera;nodes=1");
        assertThat(u.kind()).isEqualTo(TesseraUrl.Kind.LOCAL);
        assertThat(u.path()).isEqualTo(Paths.get("/var/lib/tessera"));
        assertThat(u.parameters()).containsEntry("nodes", "1");
        assertThat(u.embedded()).isTrue();
        assertThat(u.cluster()).isEqualTo("default");
    }

    @Test
    void localUrlsToTheSameDirectoryShareAKey() throws SQLException {
        String abs = Paths.get("some/dir").toAbsolutePath().toString();
        assertThat(TesseraUrl.parse("jdbc:tessera:local:some/dir").embeddedKey())
                .isEqualTo(TesseraUrl.parse("jdbc:tessera:local:./some/../some/dir").embeddedKey())
                .isEqualTo(TesseraUrl.parse("jdbc:tessera:local:" + abs + ";nodes=1").embeddedKey());
    }

    @Test
    void memUrlNamesADatabase() throws SQLException {
        TesseraUrl u = TesseraUrl.parse("jdbc:tessera:mem:test_1.a-b");
        assertThat(u.kind()).isEqualTo(TesseraUrl.Kind.MEM);
        assertThat(u.name()).isEqualTo("test_1.a-b");
        assertThat(u.embeddedKey()).isEqualTo("mem:test_1.a-b");
    }

    @Test
    void acceptsOnlyTheThreeForms() {
        assertThat(TesseraUrl.accepts("jdbc:tessera://zk:2181/db")).isTrue();
        assertThat(TesseraUrl.accepts("jdbc:tessera:local:/tmp/x")).isTrue();
        assertThat(TesseraUrl.accepts("jdbc:tessera:mem:x")).isTrue();
        assertThat(TesseraUrl.accepts("jdbc:tessera:")).isFalse();
        assertThat(TesseraUrl.accepts("jdbc:tessera:foo")).isFalse();
        assertThat(TesseraUrl.accepts("jdbc:tessera:tessera.zk=a:1")).isFalse();
        assertThat(TesseraUrl.accepts("jdbc:calcite:")).isFalse();
        assertThat(TesseraUrl.accepts("jdbc:h2:mem:x")).isFalse();
        assertThat(TesseraUrl.accepts("JDBC:TESSERA:mem:x")).isFalse();
        assertThat(TesseraUrl.accepts(null)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "jdbc:tessera://",
        "jdbc:tessera:///db",
        "jdbc:tessera://zk:abc/db",
        "jdbc:tessera://zk:0/db",
        "jdbc:tessera://zk:70000/db",
        "jdbc:tessera://zk1,,zk2/db",
        "jdbc:tessera://zk:2181/a/b",
        "jdbc:tessera://zk:2181/db;nodes",
        "jdbc:tessera://zk:2181/db;=3",
        "jdbc:tessera://zk:2181/db;a=1;a=2",
        "jdbc:tessera:local:",
        "jdbc:tessera:mem:",
        "jdbc:tessera:mem:a/b",
        "jdbc:tessera:nonsense",
    })
    void malformedUrlsFailWithSqlState08001(String url) {
        assertThatThrownBy(() -> TesseraUrl.parse(url))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("Malformed Tessera URL")
                .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("08001");
    }

    @Test
    void badIntegerParameterFailsWith08001() throws SQLException {
        TesseraUrl u = TesseraUrl.parse("jdbc:tessera:mem:x;nodes=three");
        assertThatThrownBy(() -> u.intParameter("nodes", null, 3))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("nodes")
                .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("08001");
    }

    @Test
    void remoteUrlIsRebuiltFromItsParts() {
        assertThat(TesseraUrl.remote("127.0.0.1:2181", "default")).isEqualTo("jdbc:tessera://127.0.0.1:2181/default");
    }
}
