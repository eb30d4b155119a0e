package dev.packetfs.dispatch.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.job.JobException;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.dispatch.job.WindowRef;
import dev.packetfs.kernel.Fnv64;
import dev.packetfs.kernel.Op;
import java.util.List;
import org.junit.jupiter.api.Test;

class WindowTemplateTest {
    static final String PARENT = "{\"job_id\":\"scan:1\",\"program\":{\"op\":\"fnv64\",\"data_url\":"
            + "\"https://o.example/a%22b?x=q&y=%7B\",\"offset\":5,\"length\":1000},\"window_bytes\":300,"
            + "\"public\":true,\"substrates\":[\"local\",\"flyio\"],\"max_cost_usd\":0.5,\"max_duration_ms\":9000}";

    @Test
    void aWindowsJsonIsTheParentsJobOverOneWindow() {
        ComputeJob parent = JobJson.parse(PARENT);
        WindowPlan plan = WindowPlan.of(parent, 700);
        assertEquals(5, plan.start());
        assertEquals(700, plan.end(), "cut at the object's end");
        assertEquals(3, plan.windows());
        assertEquals(95, plan.length(2));
        String json = WindowTemplate.of(parent).json(2, plan.offset(2), plan.length(2), "00000000000000ff");
        ComputeJob w = JobJson.parse(json);
        assertEquals("scan:1~w2", w.jobId());
        assertEquals(new WindowRef("scan:1", 2, false), w.window());
        assertEquals(605, w.program().offset());
        assertEquals(95, w.program().length());
        assertEquals(255, w.program().fnvState().getAsLong());
        assertEquals(parent.program().dataUrl(), w.program().dataUrl());
        assertTrue(w.isPublic());
        assertEquals(List.of("local", "flyio"), w.substrates());
        assertEquals(9000L, w.maxDurationMs());
        assertEquals(null, w.maxCostUsd(), "the budget is the parent's");
        assertEquals(null, w.windowBytes(), "a window does not fan out again");
        assertFalse(w.fansOut());
        assertEquals(json, JobJson.toText(JobJson.write(w)), "the same text as the job model writes");
        assertEquals(Fnv64.toHex(255), "00000000000000ff");
    }

    @Test
    void windowIdsCannotBeSubmittedAndWindowBytesNeedsAUrl() {
        assertThrows(
                JobException.class,
                () -> JobJson.parse("{\"job_id\":\"a~w1\",\"program\":{\"op\":\"add\",\"data\":\"AQ==\"}}"));
        JobException e = assertThrows(
                JobException.class,
                () -> JobJson.parse("{\"program\":{\"op\":\"add\",\"data\":\"AQ==\"},\"window_bytes\":10}"));
        assertEquals("window_bytes", e.field());
        e = assertThrows(
                JobException.class,
                () -> JobJson.parse(
                        "{\"program\":{\"op\":\"add\",\"data_url\":\"http://a.example/\"},\"substrate\":\"local\",\"substrates\":[\"flyio\"]}"));
        assertEquals("substrates", e.field());
        e = assertThrows(
                JobException.class,
                () -> JobJson.parse(
                        "{\"program\":{\"op\":\"add\",\"data_url\":\"http://a.example/\"},\"window_bytes\":0}"));
        assertEquals("window_bytes: must be an integer 1..9007199254740991, got 0", e.getMessage());
        assertTrue(JobJson.parse("{\"program\":{\"op\":\"add\",\"data_url\":\"http://a.example/\"},\"window_bytes\":1}")
                .fansOut());
        ComputeJob hedge = JobJson.parse(PARENT)
                .windowJob(
                        new WindowRef("scan:1", 4, false), JobJson.parse(PARENT).program())
                .hedge();
        assertEquals("scan:1~w4~h", hedge.jobId());
        assertEquals(hedge, JobJson.parse(JobJson.toText(JobJson.write(hedge))));
        assertEquals(Op.FNV64, hedge.program().op());
    }
}
