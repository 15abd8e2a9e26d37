package io.tessera.cli.chaos;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** The one-number queries the chaos runs and their tests check (a count, a sum, one balance). */
final class Queries {
    private Queries() {}

    /** The first column of the first row of {@code sql}, as a long. */
    static long single(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            if (!rs.next()) {
                throw new SQLException("no row from " + sql);
            }
            return rs.getLong(1);
        }
    }
}
