package io.tessera.jdbc;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A {@link DataSource} over {@link TesseraDriver}, configured as a bean: {@code url} (required),
 * {@code user}, {@code password}, {@code loginTimeout}. Usable as HikariCP's
 * {@code dataSourceClassName=io.tessera.jdbc.TesseraDataSource} with
 * {@code dataSource.url=jdbc:tessera:...}. It does not pool; put a pool in front of it.
 */
public class TesseraDataSource implements DataSource {
    private volatile String url;
    private volatile String user;
    private volatile String password;
    private volatile String description;
    private volatile int loginTimeoutSeconds;
    private volatile PrintWriter logWriter;
    private final Properties properties = new Properties();

    public TesseraDataSource() {}

    public TesseraDataSource(String url) {
        this.url = url;
    }

    public String getUrl() {
        return url;
    }

    public void setUrl(String url) {
        this.url = url;
    }

    /** Same as {@link #getUrl()}, for tools that spell the bean property {@code URL}. */
    public String getURL() {
        return url;
    }

    public void setURL(String url) {
        this.url = url;
    }

    public String getUser() {
        return user;
    }

    public void setUser(String user) {
        this.user = user;
    }

    /** Tools that say {@code username}. */
    public void setUsername(String user) {
        this.user = user;
    }

    public void setPassword(String password) {
        this.password = password;
    }

    public String getDescription() {
        return description;
    }

    public void setDescription(String description) {
        this.description = description;
    }

    /** Extra connection properties, passed to every connection (URL parameters win). */
    public void setConnectionProperty(String key, String value) {
        properties.setProperty(key, value);
    }

    @Override
    public Connection getConnection() throws SQLException {
        return getConnection(user, password);
    }

    @Override
    public Connection getConnection(String username, String pw) throws SQLException {
        String u = url;
        if (u == null) {
            throw new SQLException("TesseraDataSource: url is not set", TesseraUrl.SQLSTATE_CONNECTION);
        }
        Properties info = new Properties();
        info.putAll(properties);
        if (username != null) {
            info.setProperty("user", username);
        }
        if (pw != null) {
            info.setProperty("password", pw);
        }
        if (loginTimeoutSeconds > 0) {
            info.setProperty("loginTimeout", Integer.toString(loginTimeoutSeconds));
        }
        Connection c = TesseraDriver.instance().connect(u, info);
        if (c == null) {
            throw TesseraUrl.malformed(u, "not a Tessera URL");
        }
        return c;
    }

    @Override
    public PrintWriter getLogWriter() {
        return logWriter;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        this.logWriter = out;
    }

    @Override
    public void setLoginTimeout(int seconds) {
        this.loginTimeoutSeconds = seconds;
    }

    @Override
    public int getLoginTimeout() {
        return loginTimeoutSeconds;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("Tessera logs through SLF4J");
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("TesseraDataSource does not wrap " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }

    @Override
    public String toString() {
        return "TesseraDataSource[" + url + "]";
    }
}
