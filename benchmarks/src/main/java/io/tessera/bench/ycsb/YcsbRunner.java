package io.tessera.bench.ycsb;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;
import org.HdrHistogram.Histogram;
import site.ycsb.ByteIterator;
import site.ycsb.DB;
import site.ycsb.DBException;
import site.ycsb.Status;
import site.ycsb.Workload;
import site.ycsb.WorkloadException;
import site.ycsb.measurements.Measurements;
import site.ycsb.workloads.CoreWorkload;

/**
 * Runs YCSB core workloads (A, B, C, E, F, with YCSB's own CoreWorkload and generators) against a
 * pooled data source through {@link TesseraJdbcDb}, with N client threads, a warm-up and a timed
 * measurement. Latency is that of one YCSB operation (a read-modify-write is one operation).
 */
public final class YcsbRunner {
    public static final int FIELDS = 10;
    public static final int FIELD_LENGTH = 100;

    private YcsbRunner() {}

    /** Result of one workload. */
    public record Result(String workload, int threads, long ops, long errors, double seconds, double opsPerSec,
                         double p50Micros, double p99Micros, String lastError) {}

    /** The standard YCSB core workload definitions (workloads/workloada ... workloadf). */
    public static Properties workload(String letter) {
        Properties p = new Properties();
        p.setProperty("workload", CoreWorkload.class.getName());
        p.setProperty("requestdistribution", "zipfian");
        p.setProperty("readallfields", "true");
        p.setProperty("readproportion", "0");
        p.setProperty("updateproportion", "0");
        p.setProperty("scanproportion", "0");
        p.setProperty("insertproportion", "0");
        p.setProperty("readmodifywriteproportion", "0");
        switch (letter.toUpperCase(Locale.ROOT)) {
            case "A": p.setProperty("readproportion", "0.5"); p.setProperty("updateproportion", "0.5"); break;
            case "B": p.setProperty("readproportion", "0.95"); p.setProperty("updateproportion", "0.05"); break;
            case "C": p.setProperty("readproportion", "1"); break;
            case "D":
                p.setProperty("readproportion", "0.95");
                p.setProperty("insertproportion", "0.05");
                p.setProperty("requestdistribution", "latest");
                break;
            case "E":
                p.setProperty("scanproportion", "0.95");
                p.setProperty("insertproportion", "0.05");
                p.setProperty("maxscanlength", "100");
                p.setProperty("scanlengthdistribution", "uniform");
                break;
            case "F": p.setProperty("readproportion", "0.5"); p.setProperty("readmodifywriteproportion", "0.5"); break;
            default: throw new IllegalArgumentException("unknown YCSB workload " + letter);
        }
        return p;
    }

    private static Properties base(String dsName, long records) {
        Properties p = new Properties();
        p.setProperty("db.datasource", dsName);
        p.setProperty("table", "usertable");
        p.setProperty("fieldcount", String.valueOf(FIELDS));
        p.setProperty("fieldlength", String.valueOf(FIELD_LENGTH));
        p.setProperty("recordcount", String.valueOf(records));
        p.setProperty("operationcount", "10000000");
        p.setProperty("insertorder", "hashed");
        p.setProperty("measurementtype", "histogram");
        return p;
    }

    public static void unregister(String dsName) {
        TesseraJdbcDb.unregister(dsName);
    }

    /** YCSB's load phase: {@code records} inserts, batched 100 at a time, over {@code threads} threads. */
    public static void load(DataSource ds, String dsName, long records, int threads) throws Exception {
        TesseraJdbcDb.register(dsName, ds);
        Properties p = base(dsName, records);
        p.setProperty("db.batchsize", "100");
        Measurements.setProperties(p);
        CoreWorkload w = new CoreWorkload();
        w.init(p);
        AtomicLong next = new AtomicLong();
        LongAdder errors = new LongAdder();
        List<Thread> ts = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            final int id = t;
            Thread th = new Thread(() -> {
                try {
                    CountingDb db = new CountingDb(newDb(p), errors);
                    db.init();
                    Object state = w.initThread(p, id, threads);
                    while (next.getAndIncrement() < records) {
                        w.doInsert(db, state);
                    }
                    db.cleanup();
                } catch (Throwable e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            }, "ycsb-load-" + t);
            ts.add(th);
            th.start();
        }
        for (Thread th : ts) {
            th.join();
        }
        w.cleanup();
        if (!failures.isEmpty()) {
            throw new IllegalStateException("YCSB load failed: " + failures.get(0), failures.get(0));
        }
        if (errors.sum() > 0) {
            throw new IllegalStateException("YCSB load: " + errors.sum() + " inserts failed; last: " + TesseraJdbcDb.lastError());
        }
    }

    private static DB newDb(Properties p) {
        TesseraJdbcDb db = new TesseraJdbcDb();
        db.setProperties(p);
        return db;
    }

    /** Runs one workload: warm-up, then measurement, on {@code threads} threads. */
    public static Result run(DataSource ds, String dsName, String letter, long records, int threads,
                             double warmupSeconds, double measureSeconds) throws Exception {
        TesseraJdbcDb.register(dsName, ds);
        Properties p = base(dsName, records);
        p.putAll(workload(letter));
        Measurements.setProperties(p);
        Workload w = new CoreWorkload();
        w.init(p);
        LongAdder errors = new LongAdder();
        Histogram all = new Histogram(3_600_000_000L, 3);
        LongAdder ops = new LongAdder();
        List<Throwable> failures = new ArrayList<>();
        long start = System.nanoTime();
        long measureFrom = start + (long) (warmupSeconds * 1e9);
        long end = measureFrom + (long) (measureSeconds * 1e9);
        List<Thread> ts = new ArrayList<>();
        List<Histogram> hs = new ArrayList<>();
        LongAdder measuredErrors = new LongAdder();
        for (int t = 0; t < threads; t++) {
            final int id = t;
            Histogram h = new Histogram(3_600_000_000L, 3);
            hs.add(h);
            Thread th = new Thread(() -> {
                try {
                    CountingDb db = new CountingDb(newDb(p), errors);
                    db.init();
                    Object state = w.initThread(p, id, threads);
                    long n = 0;
                    while (true) {
                        long t0 = System.nanoTime();
                        if (t0 >= end) {
                            break;
                        }
                        long e0 = errors.sum();
                        w.doTransaction(db, state);
                        long t1 = System.nanoTime();
                        if (t0 >= measureFrom) {
                            h.recordValue(Math.max(1, (t1 - t0) / 1000));
                            n++;
                            if (errors.sum() != e0) {
                                measuredErrors.increment();
                            }
                        }
                    }
                    ops.add(n);
                    db.cleanup();
                } catch (Throwable e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            }, "ycsb-" + letter + "-" + t);
            ts.add(th);
            th.start();
        }
        for (Thread th : ts) {
            th.join();
        }
        long finished = System.nanoTime();
        w.cleanup();
        if (!failures.isEmpty()) {
            throw new IllegalStateException("YCSB workload " + letter + " failed: " + failures.get(0), failures.get(0));
        }
        for (Histogram h : hs) {
            all.add(h);
        }
        double secs = (Math.max(end, finished) - measureFrom) / 1e9;
        long n = ops.sum();
        return new Result(letter, threads, n, measuredErrors.sum(), secs, n / secs,
                all.getValueAtPercentile(50), all.getValueAtPercentile(99),
                measuredErrors.sum() > 0 ? TesseraJdbcDb.lastError() : null);
    }

    /** Delegates to a DB and counts the operations that did not succeed. */
    static final class CountingDb extends DB {
        private final DB db;
        private final LongAdder errors;

        CountingDb(DB db, LongAdder errors) {
            this.db = db;
            this.errors = errors;
        }

        private Status count(Status s) {
            if (!s.isOk()) {
                errors.increment();
            }
            return s;
        }

        @Override
        public void init() throws DBException {
            db.init();
        }

        @Override
        public void cleanup() throws DBException {
            db.cleanup();
        }

        @Override
        public Status read(String table, String key, java.util.Set<String> fields, Map<String, ByteIterator> result) {
            return count(db.read(table, key, fields, result));
        }

        @Override
        public Status scan(String table, String startkey, int recordcount, java.util.Set<String> fields,
                           java.util.Vector<java.util.HashMap<String, ByteIterator>> result) {
            return count(db.scan(table, startkey, recordcount, fields, result));
        }

        @Override
        public Status update(String table, String key, Map<String, ByteIterator> values) {
            return count(db.update(table, key, values));
        }

        @Override
        public Status insert(String table, String key, Map<String, ByteIterator> values) {
            return count(db.insert(table, key, values));
        }

        @Override
        public Status delete(String table, String key) {
            return count(db.delete(table, key));
        }
    }

    static {
        // YCSB's workload classes look up measurement settings statically.
        Measurements.setProperties(new Properties());
    }

    @SuppressWarnings("unused")
    private static void checked() throws WorkloadException {}
}
