package io.tessera.jdbc.differential;

import java.sql.SQLException;

/** Short, single-paragraph descriptions of exceptions for the mismatch report. */
final class Failures {
    private Failures() {
    }

    static String summary(Throwable e) {
        StringBuilder sb = new StringBuilder();
        Throwable t = e;
        int depth = 0;
        while (t != null && depth < 4) {
            if (depth > 0) {
                sb.append(" <- caused by ");
            }
            sb.append(t.getClass().getSimpleName());
            if (t instanceof SQLException s && s.getSQLState() != null) {
                sb.append("[").append(s.getSQLState()).append("]");
            }
            String msg = t.getMessage();
            if (msg != null) {
                msg = msg.strip().replaceAll("\\s+", " ");
                sb.append(": ").append(msg.length() > 400 ? msg.substring(0, 400) + " ..." : msg);
            }
            if (t.getCause() == t) {
                break;
            }
            t = t.getCause();
            depth++;
        }
        StackTraceElement[] st = e.getStackTrace();
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        StackTraceElement[] rst = root.getStackTrace();
        if (rst.length > 0) {
            sb.append(" at ").append(rst[0]);
            for (StackTraceElement el : rst) {
                if (el.getClassName().startsWith("io.tessera.") && el != rst[0]
                        && !el.getClassName().startsWith(Failures.class.getPackageName())) {
                    sb.append(" / ").append(el);
                    break;
                }
            }
        } else if (st.length > 0) {
            sb.append(" at ").append(st[0]);
        }
        return sb.toString();
    }
}
