package io.tessera.bench.report;

import io.tessera.bench.jmh.JmhSuite;
import io.tessera.bench.workload.Operations;
import io.tessera.bench.ycsb.YcsbRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/** PNG charts of a run (XChart, headless). */
public final class Charts {
    public static final String JMH = "jmh-throughput.png";
    public static final String YCSB = "ycsb-throughput.png";
    public static final String SCALING = "scaling.png";

    private Charts() {}

    /** Writes the charts into {@code dir}; returns the file names written. */
    public static List<String> write(Results r, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(dir);
        List<String> written = new ArrayList<>();
        List<Results.PeerResult> ok = r.peers.stream().filter(p -> p.failure == null).toList();
        if (!ok.isEmpty() && ok.stream().anyMatch(p -> !p.jmh.isEmpty())) {
            CategoryChart c = new CategoryChartBuilder().width(1100).height(520)
                    .title("JMH: throughput (ops/s, log scale, " + r.settings.threads() + " client threads)")
                    .xAxisTitle("benchmark").yAxisTitle("ops/s").build();
            style(c);
            c.getStyler().setYAxisLogarithmic(true);
            c.getStyler().setXAxisLabelRotation(20);
            double min = Double.MAX_VALUE;
            for (Results.PeerResult p : ok) {
                for (JmhSuite.Result j : p.jmh) {
                    if (j.opsPerSec() > 0) {
                        min = Math.min(min, j.opsPerSec());
                    }
                }
            }
            double floor = min == Double.MAX_VALUE ? 1 : Math.pow(10, Math.floor(Math.log10(min)));
            c.getStyler().setYAxisMin(floor); // XChart's bars start at 0 otherwise, which a log axis rejects
            for (Results.PeerResult p : ok) {
                List<String> xs = new ArrayList<>();
                List<Double> ys = new ArrayList<>();
                for (String b : Operations.NAMES) {
                    JmhSuite.Result j = p.jmh(b);
                    xs.add(b);
                    ys.add(j == null ? floor : Math.max(j.opsPerSec(), floor));
                }
                c.addSeries(p.name, xs, ys);
            }
            BitmapEncoder.saveBitmap(c, dir.resolve(JMH).toString(), BitmapEncoder.BitmapFormat.PNG);
            written.add(JMH);
        }
        if (!ok.isEmpty() && ok.stream().anyMatch(p -> !p.ycsb.isEmpty())) {
            CategoryChart c = new CategoryChartBuilder().width(1000).height(500)
                    .title("YCSB: throughput (ops/s, " + r.settings.threads() + " client threads, "
                            + r.settings.ycsbRecords() + " records)")
                    .xAxisTitle("workload").yAxisTitle("ops/s").build();
            style(c);
            for (Results.PeerResult p : ok) {
                List<String> xs = new ArrayList<>();
                List<Double> ys = new ArrayList<>();
                for (String w : r.settings.workloads()) {
                    YcsbRunner.Result y = p.ycsb(w);
                    xs.add(w);
                    ys.add(y == null ? 0 : y.opsPerSec());
                }
                c.addSeries(p.name, xs, ys);
            }
            BitmapEncoder.saveBitmap(c, dir.resolve(YCSB).toString(), BitmapEncoder.BitmapFormat.PNG);
            written.add(YCSB);
        }
        if (!r.scaling.isEmpty()) {
            XYChart c = new XYChartBuilder().width(800).height(450)
                    .title("Tessera scaling: YCSB throughput vs shard nodes (all on one " + r.info.cores + "-core machine)")
                    .xAxisTitle("shard-node processes").yAxisTitle("ops/s").build();
            c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
            c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
            TreeMap<String, List<Results.ScalingPoint>> byWorkload = new TreeMap<>();
            for (Results.ScalingPoint p : r.scaling) {
                byWorkload.computeIfAbsent(p.workload(), k -> new ArrayList<>()).add(p);
            }
            for (var e : byWorkload.entrySet()) {
                c.addSeries("workload " + e.getKey(),
                        e.getValue().stream().mapToDouble(Results.ScalingPoint::nodes).toArray(),
                        e.getValue().stream().mapToDouble(Results.ScalingPoint::opsPerSec).toArray());
            }
            BitmapEncoder.saveBitmap(c, dir.resolve(SCALING).toString(), BitmapEncoder.BitmapFormat.PNG);
            written.add(SCALING);
        }
        return written;
    }

    private static void style(CategoryChart c) {
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        c.getStyler().setAvailableSpaceFill(0.8);
    }
}
