// tswap::nsys::Capture on captures built here from the documented schema.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <tswap/nsys/capture.h>

#include "capture_builder.h"

namespace tswap::nsys {
namespace {

using testing::CaptureBuilder;
using testing::global_pid;
using testing::global_tid;
using testing::kNull;

std::string temp_path(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / "tswap_nsys_tests";
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Asserts that loading `path` throws a CaptureError of `kind` whose message is `message`.
void expect_error(const std::string& path, CaptureError::Kind kind, const std::string& message) {
  try {
    Capture::load(path);
    ADD_FAILURE() << "loaded " << path;
  } catch (const CaptureError& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    EXPECT_EQ(e.file(), path);
    EXPECT_EQ(std::string(e.what()), message);
  }
}

constexpr std::uint32_t kPid = 4242;
constexpr std::uint32_t kMainTid = 4242;
constexpr std::uint32_t kCopyTid = 4250;

// A clean capture of one tensorswap run: the domain, two layer ranges with
// payloads, a mark, the copy's runtime call and memcpy, a kernel, thread
// names. Rows are inserted out of time order on purpose.
std::string write_clean_capture() {
  const std::string path = temp_path("clean.sqlite");
  CaptureBuilder b(path);
  for (const char* ddl : {testing::kStringIdsDdl, testing::kThreadNamesDdl, testing::kProcessesDdl,
                          testing::kSessionStartDdl, testing::kExportMetaDdl, testing::kNvtxDdl,
                          testing::kRuntimeDdl, testing::kMemcpyDdl, testing::kKernelDdl}) {
    b.exec(ddl);
  }
  b.string(10, "layer_enter model.layer.* L0");
  b.string(11, "d2h_queued model.layer.* L0");
  b.string(20, "cudaMemcpyAsync_v3020");
  b.string(21, "cudaLaunchKernel_v7000");
  b.string(30, "gemm");
  b.string(31, "void gemm<float>(float const*, float*)");
  b.string(40, "train");
  b.string(41, "tswap-sim-d2h");
  b.insert("TARGET_INFO_SESSION_START_TIME", "utcEpochNs, utcTime, localTime",
           {std::int64_t{1764600000123456789}, "2025-12-01T14:40:00.123456789Z",
            "2025-12-01T15:40:00.123456789+01:00"});
  b.insert("META_DATA_EXPORT", "name, value", {"EXPORT_SCHEMA_VERSION", "3.11.2"});
  b.process(global_pid(kPid), kPid, "/usr/bin/train");
  b.thread_name(global_tid(kPid, kMainTid), 40);
  b.thread_name(global_tid(kPid, kCopyTid), 41);

  const std::int64_t main = global_tid(kPid, kMainTid);
  const std::int64_t copy = global_tid(kPid, kCopyTid);
  b.domain(main, 1, "tensorswap");
  // The copy range first in the table, though it starts later.
  b.insert("NVTX_EVENTS",
           "start, end, eventType, category, globalTid, textId, domainId, uint64Value",
           {2000, 2600, testing::kNvtxPushPop, 3, copy, 11, 1, std::int64_t{1} << 20});
  b.insert("NVTX_EVENTS",
           "start, end, eventType, category, globalTid, textId, domainId, int64Value",
           {1000, 9000, testing::kNvtxPushPop, 1, main, 10, 1, -7});
  // A mark in the default domain with a double payload and a JSON one.
  b.insert("NVTX_EVENTS", "start, end, eventType, globalTid, text, doubleValue",
           {1500, kNull, testing::kNvtxMark, main, "step 3", 2.5});
  b.insert("NVTX_EVENTS", "start, end, eventType, globalTid, text, jsonText",
           {1600, 1700, testing::kNvtxStartEnd, main, "json range", "{\"op\": 17}"});

  b.runtime(2100, 2400, copy, 101, 20);
  b.runtime(1200, 1300, main, 102, 21);
  b.memcpy(2500, 3500, std::int64_t{1} << 20, 2, 14, 0, 101, global_pid(kPid));
  b.kernel(1400, 8000, 7, 0, 102, global_pid(kPid), 30, 31);
  return path;
}

TEST(NsysCapture, ReadsACleanCaptureFieldByField) {
  const std::string path = write_clean_capture();
  const Capture c = Capture::load(path);
  EXPECT_EQ(c.path(), path);

  const Tables& t = c.tables();
  EXPECT_TRUE(t.nvtx && t.runtime && t.memcpy && t.kernel && t.thread_names && t.processes &&
              t.session_start && t.export_meta);
  EXPECT_TRUE(t.nvtx_text_id && t.nvtx_domain_id && t.nvtx_payload && t.nvtx_json);

  EXPECT_TRUE(c.has_session_start());
  EXPECT_EQ(c.session_start_utc_ns(), 1764600000123456789);
  EXPECT_EQ(c.session_start_utc_text(), "2025-12-01T14:40:00.123456789Z");
  EXPECT_EQ(c.session_start_local_text(), "2025-12-01T15:40:00.123456789+01:00");
  EXPECT_EQ(c.schema_version(), "3.11.2");

  ASSERT_EQ(c.processes().size(), 1u);
  EXPECT_EQ(c.processes()[0].pid, kPid);
  EXPECT_EQ(c.string(c.processes()[0].name), "/usr/bin/train");
  EXPECT_EQ(c.thread_name(global_tid(kPid, kMainTid)), "train");
  EXPECT_EQ(c.thread_name(global_tid(kPid, kCopyTid)), "tswap-sim-d2h");
  EXPECT_EQ(c.thread_name(global_tid(kPid, 1)), "");

  EXPECT_TRUE(c.has_domain("tensorswap"));
  ASSERT_EQ(c.domains().size(), 1u);
  EXPECT_EQ(c.domains().begin()->first, std::make_pair(global_pid(kPid), std::int64_t{1}));

  // NVTX: the domain-create row is not an event; the rest sorted by start.
  ASSERT_EQ(c.nvtx().size(), 4u);
  const NvtxEvent& layer = c.nvtx()[0];
  EXPECT_EQ(layer.start, 1000);
  EXPECT_EQ(layer.end, 9000);
  EXPECT_TRUE(layer.has_end);
  EXPECT_EQ(layer.type, NvtxType::push_pop_range);
  EXPECT_EQ(c.string(layer.text), "layer_enter model.layer.* L0");
  EXPECT_EQ(layer.domain_id, 1);
  EXPECT_EQ(c.string(layer.domain), "tensorswap");
  EXPECT_EQ(layer.category, 1);
  EXPECT_EQ(layer.pid(), kPid);
  EXPECT_EQ(layer.tid(), kMainTid);
  EXPECT_EQ(layer.payload_kind, PayloadKind::int64);
  EXPECT_EQ(layer.payload_int, -7);

  const NvtxEvent& mark = c.nvtx()[1];
  EXPECT_EQ(mark.type, NvtxType::mark);
  EXPECT_FALSE(mark.has_end);
  EXPECT_EQ(mark.start, 1500);
  EXPECT_EQ(mark.end, 1500);
  EXPECT_EQ(c.string(mark.text), "step 3");
  EXPECT_EQ(mark.domain_id, 0);
  EXPECT_EQ(c.string(mark.domain), "");
  EXPECT_EQ(mark.payload_kind, PayloadKind::float64);
  EXPECT_DOUBLE_EQ(mark.payload_double, 2.5);

  const NvtxEvent& json = c.nvtx()[2];
  EXPECT_EQ(json.type, NvtxType::start_end_range);
  EXPECT_EQ(json.payload_kind, PayloadKind::json);
  EXPECT_EQ(c.string(json.payload_json), "{\"op\": 17}");

  const NvtxEvent& copy = c.nvtx()[3];
  EXPECT_EQ(copy.start, 2000);
  EXPECT_EQ(copy.end, 2600);
  EXPECT_EQ(c.string(copy.text), "d2h_queued model.layer.* L0");
  EXPECT_EQ(c.string(copy.domain), "tensorswap");
  EXPECT_EQ(copy.tid(), kCopyTid);
  EXPECT_EQ(copy.payload_kind, PayloadKind::uint64);
  EXPECT_EQ(copy.payload_uint, 1u << 20);

  ASSERT_EQ(c.runtime_calls().size(), 2u);
  const RuntimeCall& launch = c.runtime_calls()[0];
  EXPECT_EQ(launch.start, 1200);
  EXPECT_EQ(launch.end, 1300);
  EXPECT_EQ(launch.correlation_id, 102u);
  EXPECT_EQ(c.string(launch.name), "cudaLaunchKernel_v7000");
  EXPECT_EQ(launch.tid(), kMainTid);
  const RuntimeCall& copy_call = c.runtime_calls()[1];
  EXPECT_EQ(copy_call.correlation_id, 101u);
  EXPECT_EQ(c.string(copy_call.name), "cudaMemcpyAsync_v3020");
  EXPECT_EQ(copy_call.pid(), kPid);
  EXPECT_EQ(copy_call.tid(), kCopyTid);

  ASSERT_EQ(c.memcpys().size(), 1u);
  const Memcpy& m = c.memcpys()[0];
  EXPECT_EQ(m.start, 2500);
  EXPECT_EQ(m.end, 3500);
  EXPECT_EQ(m.bytes, 1u << 20);
  EXPECT_EQ(m.kind, CopyKind::dtoh);
  EXPECT_EQ(to_string(m.kind), "DtoH");
  EXPECT_EQ(m.stream_id, 14u);
  EXPECT_EQ(m.device_id, 0u);
  EXPECT_EQ(m.correlation_id, 101u);
  EXPECT_EQ(m.pid(), kPid);

  ASSERT_EQ(c.kernels().size(), 1u);
  const Kernel& k = c.kernels()[0];
  EXPECT_EQ(k.start, 1400);
  EXPECT_EQ(k.end, 8000);
  EXPECT_EQ(k.stream_id, 7u);
  EXPECT_EQ(k.correlation_id, 102u);
  EXPECT_EQ(k.pid(), kPid);
  EXPECT_EQ(c.string(k.short_name), "gemm");
  EXPECT_EQ(c.string(k.demangled_name), "void gemm<float>(float const*, float*)");
}

TEST(NsysCapture, DecodesGlobalIdsIgnoringTheHardwareBits) {
  const std::int64_t gtid = global_tid(0xABCDEF, 0x123456, 0x7F);
  EXPECT_EQ(pid_of(gtid), 0xABCDEFu);
  EXPECT_EQ(tid_of(gtid), 0x123456u);
  EXPECT_EQ(global_pid_of(gtid), global_pid(0xABCDEF, 0x7F));
  EXPECT_EQ(tid_of(global_pid_of(gtid)), 0u);
}

TEST(NsysCapture, NamesEveryCopyKind) {
  EXPECT_EQ(to_string(CopyKind::htod), "HtoD");
  EXPECT_EQ(to_string(CopyKind::dtod), "DtoD");
  EXPECT_EQ(to_string(CopyKind::htoh), "HtoH");
  EXPECT_EQ(to_string(CopyKind::ptop), "PtoP");
  EXPECT_EQ(to_string(CopyKind::uvm_dtoh), "UVM DtoH");
  EXPECT_EQ(to_string(static_cast<CopyKind>(42)), "kind 42");
}

TEST(NsysCapture, KeepsNegativeTimestampsSigned) {
  const std::string path = temp_path("negative.sqlite");
  {
    CaptureBuilder b(path);
    for (const char* ddl :
         {testing::kStringIdsDdl, testing::kNvtxDdl, testing::kRuntimeDdl, testing::kMemcpyDdl}) {
      b.exec(ddl);
    }
    b.string(20, "cudaMemcpyAsync_v3020");
    const std::int64_t t = global_tid(kPid, kMainTid);
    b.insert("NVTX_EVENTS", "start, end, eventType, globalTid, text",
             {-2000, -1000, testing::kNvtxPushPop, t, "before start"});
    b.insert("NVTX_EVENTS", "start, end, eventType, globalTid, text",
             {500, 900, testing::kNvtxPushPop, t, "after start"});
    b.runtime(-1500, -1200, t, 7, 20);
    b.memcpy(100, 200, 64, 1, 3, 0, 8, global_pid(kPid));
    b.memcpy(-900, -100, 4096, 1, 3, 0, 7, global_pid(kPid));
  }
  const Capture c = Capture::load(path);
  ASSERT_EQ(c.nvtx().size(), 2u);
  EXPECT_EQ(c.nvtx()[0].start, -2000);
  EXPECT_EQ(c.nvtx()[0].end, -1000);
  EXPECT_EQ(c.string(c.nvtx()[0].text), "before start");
  ASSERT_EQ(c.runtime_calls().size(), 1u);
  EXPECT_EQ(c.runtime_calls()[0].start, -1500);
  EXPECT_EQ(c.runtime_calls()[0].end, -1200);
  ASSERT_EQ(c.memcpys().size(), 2u);
  EXPECT_EQ(c.memcpys()[0].start, -900);  // sorted as signed numbers
  EXPECT_EQ(c.memcpys()[0].end, -100);
  EXPECT_EQ(c.memcpys()[0].kind, CopyKind::htod);
  EXPECT_EQ(c.memcpys()[1].start, 100);
  EXPECT_FALSE(c.has_session_start());
}

TEST(NsysCapture, KeepsDomainsOfTwoProcessesApart) {
  // Domain ids are per process: both processes use domain 1 for different names.
  const std::string path = temp_path("two_processes.sqlite");
  const std::uint32_t other = 5151;
  {
    CaptureBuilder b(path);
    for (const char* ddl : {testing::kStringIdsDdl, testing::kNvtxDdl, testing::kMemcpyDdl,
                            testing::kThreadNamesDdl}) {
      b.exec(ddl);
    }
    b.string(40, "train");
    b.string(41, "dataloader");
    b.thread_name(global_tid(kPid, kMainTid), 40);
    b.thread_name(global_tid(other, other), 41);
    b.domain(global_tid(kPid, kMainTid), 1, "tensorswap");
    b.domain(global_tid(other, other), 1, "dali");
    b.insert("NVTX_EVENTS", "start, end, eventType, globalTid, text, domainId",
             {10, 20, testing::kNvtxPushPop, global_tid(kPid, kMainTid), "ours", 1});
    b.insert("NVTX_EVENTS", "start, end, eventType, globalTid, text, domainId",
             {15, 25, testing::kNvtxPushPop, global_tid(other, other), "theirs", 1});
    b.memcpy(30, 40, 8, 8, 2, 1, 1, global_pid(other));
    b.memcpy(31, 41, 16, 1, 3, 0, 1, global_pid(kPid));
  }
  const Capture c = Capture::load(path);
  EXPECT_EQ(c.domains().size(), 2u);
  ASSERT_EQ(c.nvtx().size(), 2u);
  EXPECT_EQ(c.string(c.nvtx()[0].domain), "tensorswap");
  EXPECT_EQ(c.nvtx()[0].pid(), kPid);
  EXPECT_EQ(c.string(c.nvtx()[1].domain), "dali");
  EXPECT_EQ(c.nvtx()[1].pid(), other);
  EXPECT_EQ(c.thread_name(global_tid(other, other)), "dataloader");
  ASSERT_EQ(c.memcpys().size(), 2u);
  // The same correlation id in two processes: the pid tells them apart.
  EXPECT_EQ(c.memcpys()[0].pid(), other);
  EXPECT_EQ(c.memcpys()[0].kind, CopyKind::dtod);
  EXPECT_EQ(c.memcpys()[0].device_id, 1u);
  EXPECT_EQ(c.memcpys()[1].pid(), kPid);
  EXPECT_EQ(c.memcpys()[1].correlation_id, c.memcpys()[0].correlation_id);
}

TEST(NsysCapture, SaysWhenNoTensorswapDomainWasCreated) {
  const std::string path = temp_path("no_domain.sqlite");
  {
    CaptureBuilder b(path);
    b.exec(testing::kStringIdsDdl);
    b.exec(testing::kNvtxDdl);
    b.domain(global_tid(kPid, kMainTid), 1, "cudnn");
    b.insert("NVTX_EVENTS", "start, end, eventType, globalTid, text",
             {10, 20, testing::kNvtxPushPop, global_tid(kPid, kMainTid), "forward"});
  }
  const Capture c = Capture::load(path);
  EXPECT_FALSE(c.has_domain("tensorswap"));
  EXPECT_TRUE(c.has_domain("cudnn"));
  ASSERT_EQ(c.nvtx().size(), 1u);
  EXPECT_EQ(c.string(c.nvtx()[0].domain), "");
}

TEST(NsysCapture, LoadsWithoutTheOptionalTables) {
  const std::string no_kernel = temp_path("no_kernel_no_nvtx.sqlite");
  {
    CaptureBuilder b(no_kernel);
    b.exec(testing::kStringIdsDdl);
    b.exec(testing::kRuntimeDdl);
    b.exec(testing::kMemcpyDdl);
    b.string(20, "cudaMemcpy_v3020");
    b.runtime(1, 9, global_tid(kPid, kMainTid), 5, 20);
    b.memcpy(3, 8, 128, 1, 7, 0, 5, global_pid(kPid));
  }
  const Capture c = Capture::load(no_kernel);
  EXPECT_FALSE(c.tables().kernel);
  EXPECT_FALSE(c.tables().nvtx);
  EXPECT_FALSE(c.tables().thread_names);
  EXPECT_FALSE(c.tables().session_start);
  EXPECT_TRUE(c.tables().runtime);
  EXPECT_TRUE(c.tables().memcpy);
  EXPECT_TRUE(c.kernels().empty());
  EXPECT_TRUE(c.nvtx().empty());
  EXPECT_FALSE(c.has_domain("tensorswap"));
  EXPECT_EQ(c.schema_version(), "");
  ASSERT_EQ(c.memcpys().size(), 1u);
  EXPECT_EQ(c.memcpys()[0].correlation_id, 5u);
  EXPECT_EQ(c.string(c.runtime_calls()[0].name), "cudaMemcpy_v3020");

  const std::string strings_only = temp_path("strings_only.sqlite");
  {
    CaptureBuilder b(strings_only);
    b.exec(testing::kStringIdsDdl);
  }
  const Capture empty = Capture::load(strings_only);
  EXPECT_FALSE(empty.tables().memcpy);
  EXPECT_TRUE(empty.memcpys().empty());
}

TEST(NsysCapture, ReadsAnOlderSchemaWithoutTextIdDomainsOrPayloads) {
  const std::string path = temp_path("old_schema.sqlite");
  {
    CaptureBuilder b(path);
    b.exec(testing::kStringIdsDdl);
    b.exec(testing::kOldNvtxDdl);
    b.exec(testing::kOldMemcpyDdl);
    b.insert("NVTX_EVENTS", "start, end, eventType, category, text, globalTid",
             {100, 300, testing::kNvtxPushPop, 2, "layer_enter model.layer.* L1",
              global_tid(kPid, kMainTid)});
    b.insert("CUPTI_ACTIVITY_KIND_MEMCPY",
             "start, end, deviceId, contextId, streamId, correlationId, bytes, copyKind",
             {150, 250, 0, 1, 13, 9, 2048, 1});
  }
  const Capture c = Capture::load(path);
  EXPECT_FALSE(c.tables().nvtx_text_id);
  EXPECT_FALSE(c.tables().nvtx_domain_id);
  EXPECT_FALSE(c.tables().nvtx_payload);
  EXPECT_FALSE(c.tables().nvtx_json);
  ASSERT_EQ(c.nvtx().size(), 1u);
  EXPECT_EQ(c.string(c.nvtx()[0].text), "layer_enter model.layer.* L1");
  EXPECT_EQ(c.nvtx()[0].domain_id, 0);
  EXPECT_EQ(c.nvtx()[0].category, 2);
  EXPECT_EQ(c.nvtx()[0].payload_kind, PayloadKind::none);
  ASSERT_EQ(c.memcpys().size(), 1u);
  EXPECT_EQ(c.memcpys()[0].bytes, 2048u);
  EXPECT_EQ(c.memcpys()[0].stream_id, 13u);
  EXPECT_EQ(c.memcpys()[0].global_pid, 0);  // not exported by that version
}

TEST(NsysCapture, RefusesAMissingFileOrADirectory) {
  const std::string missing = temp_path("does_not_exist.sqlite");
  std::filesystem::remove(missing);
  expect_error(missing, CaptureError::Kind::cannot_open, missing + ": cannot open: no such file");
  const std::string dir = temp_path("a_directory.sqlite");
  std::filesystem::create_directories(dir);
  expect_error(dir, CaptureError::Kind::cannot_open, dir + ": cannot open: is a directory");
}

TEST(NsysCapture, RefusesAFileThatIsNotSqlite) {
  const std::string path = temp_path("not_sqlite.sqlite");
  write_file(path, "this is a .nsys-rep, honest\n");
  expect_error(path, CaptureError::Kind::not_sqlite,
               path +
                   ": not an SQLite database: not an SQLite database (expected the output of "
                   "nsys export --type sqlite, not the .nsys-rep itself)");
  const std::string empty = temp_path("empty.sqlite");
  write_file(empty, "");
  expect_error(empty, CaptureError::Kind::not_sqlite,
               empty +
                   ": not an SQLite database: empty file (expected an SQLite database from "
                   "nsys export --type sqlite)");
}

TEST(NsysCapture, RefusesTheSqliteFileOfAnotherProgram) {
  const std::string path = temp_path("other_program.sqlite");
  {
    CaptureBuilder b(path);
    b.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)");
    b.exec("CREATE TABLE orders (id INTEGER PRIMARY KEY, user INTEGER)");
  }
  expect_error(path, CaptureError::Kind::not_an_export,
               path +
                   ": not an Nsight Systems export: no StringIds table, which every nsys "
                   "export has (tables: orders, users)");
}

TEST(NsysCapture, RefusesATableWithoutAColumnEveryExporterWrites) {
  const std::string path = temp_path("no_bytes.sqlite");
  {
    CaptureBuilder b(path);
    b.exec(testing::kStringIdsDdl);
    b.exec("CREATE TABLE CUPTI_ACTIVITY_KIND_MEMCPY (start INTEGER, end INTEGER)");
  }
  expect_error(path, CaptureError::Kind::unsupported,
               path +
                   ": unsupported export schema: table CUPTI_ACTIVITY_KIND_MEMCPY has no "
                   "column bytes (every nsys exporter writes it)");
}

// A capture big enough to span many pages, so that damage lands in table data.
std::string write_big_capture(const std::string& name) {
  const std::string path = temp_path(name);
  CaptureBuilder b(path);
  b.exec(testing::kStringIdsDdl);
  b.exec(testing::kMemcpyDdl);
  for (int i = 0; i < 20000; ++i) b.memcpy(i * 10, i * 10 + 5, 4096, 1, 7, 0, i, global_pid(kPid));
  return path;
}

TEST(NsysCapture, RefusesATruncatedDatabase) {
  const std::string path = write_big_capture("truncated.sqlite");
  const auto size = std::filesystem::file_size(path);
  ASSERT_GT(size, 100000u);
  std::filesystem::resize_file(path, size / 2);
  try {
    Capture::load(path);
    FAIL() << "loaded a truncated database";
  } catch (const CaptureError& e) {
    EXPECT_EQ(e.kind(), CaptureError::Kind::corrupt) << e.what();
    EXPECT_EQ(std::string(e.what()).rfind(path + ": corrupt database: SQLite error while ", 0), 0u)
        << e.what();
  }
}

TEST(NsysCapture, RefusesADatabaseWithADamagedSchemaPage) {
  const std::string path = write_big_capture("damaged.sqlite");
  {
    // Page 1 holds the schema after the 100-byte file header: scribble on it.
    std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(100);
    const std::string junk(900, '\xA5');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  try {
    Capture::load(path);
    FAIL() << "loaded a damaged database";
  } catch (const CaptureError& e) {
    EXPECT_EQ(e.kind(), CaptureError::Kind::corrupt) << e.what();
    EXPECT_NE(std::string(e.what()).find("malformed"), std::string::npos) << e.what();
  }
}

// Extended payloads: nsys's header, a blob written as hex text, a blob
// without the header (read by the domain's one schema with the field), and
// two schemas that could both fit (no guess).
TEST(NsysCapture, ReadsBinaryPayloadsByTheirSchemaEntries) {
  const std::string path = temp_path("binary.sqlite");
  {
    CaptureBuilder b(path);
    for (const char* ddl : {testing::kStringIdsDdl, testing::kNvtxDdl,
                            testing::kPayloadSchemasDdl, testing::kPayloadEntriesDdl}) {
      b.exec(ddl);
    }
    const std::int64_t gtid = global_tid(kPid, kMainTid);
    b.insert("NVTX_EVENTS", "start, eventType, text, globalTid, domainId",
             {0, testing::kNvtxDomainCreate, "tensorswap", gtid, 3});
    b.insert("NVTX_EVENTS", "start, eventType, text, globalTid, domainId",
             {0, testing::kNvtxDomainCreate, "other", gtid, 4});
    // Domain 3: one schema, its fields out of order in the entries table.
    b.insert("NVTX_PAYLOAD_SCHEMAS", "domainId, schemaId, name, payloadSize", {3, 99, "op", 12});
    b.insert("NVTX_PAYLOAD_SCHEMA_ENTRIES", "domainId, schemaId, idx, type, name, offset",
             {3, 99, 1, 16, "count", 8});
    b.insert("NVTX_PAYLOAD_SCHEMA_ENTRIES", "domainId, schemaId, idx, type, name, offset",
             {3, 99, 0, 18, "operation id", kNull});
    // Domain 4: two schemas with the field.
    for (int id : {1, 2}) {
      b.insert("NVTX_PAYLOAD_SCHEMAS", "domainId, schemaId, name, payloadSize", {4, id, "x", 8});
      b.insert("NVTX_PAYLOAD_SCHEMA_ENTRIES", "domainId, schemaId, idx, type, name, offset",
               {4, id, 0, 18, "operation id", 0});
    }
    std::string payload;  // operation id 0x0102030405060708, count 7 (uint32)
    for (int i = 8; i >= 1; --i) payload.push_back(static_cast<char>(i));
    payload += std::string("\x07\x00\x00\x00", 4);
    std::string with_header;
    for (std::uint64_t v : {std::uint64_t{3}, std::uint64_t{99}, std::uint64_t{12},
                            std::uint64_t{44}}) {
      for (int i = 0; i < 8; ++i) with_header.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
    }
    with_header += payload;
    std::string hex;
    for (unsigned char c : with_header) {
      static const char* digits = "0123456789abcdef";
      hex.push_back(digits[c >> 4]);
      hex.push_back(digits[c & 15]);
    }
    const std::string cols = "start, end, eventType, globalTid, domainId, binaryData";
    b.insert("NVTX_EVENTS", cols,
             {10, 20, testing::kNvtxPushPop, gtid, 3, testing::Value::bytes(with_header)});
    b.insert("NVTX_EVENTS", cols, {30, 40, testing::kNvtxPushPop, gtid, 3, hex});
    b.insert("NVTX_EVENTS", cols,
             {50, 60, testing::kNvtxPushPop, gtid, 3, testing::Value::bytes(payload)});
    b.insert("NVTX_EVENTS", cols,
             {70, 80, testing::kNvtxPushPop, gtid, 4,
              testing::Value::bytes(payload.substr(0, 8))});
  }
  const Capture c = Capture::load(path);
  EXPECT_TRUE(c.tables().nvtx_binary);
  EXPECT_TRUE(c.tables().payload_schemas);
  ASSERT_EQ(c.payload_schemas().size(), 3u);
  const PayloadSchema& op = c.payload_schemas()[0];
  EXPECT_EQ(op.name, "op");
  EXPECT_EQ(op.size, 12u);
  ASSERT_EQ(op.entries.size(), 2u);
  EXPECT_EQ(op.entries[0].name, "operation id");
  EXPECT_EQ(op.entries[0].offset, 0u);
  EXPECT_EQ(op.entries[1].name, "count");
  ASSERT_EQ(c.nvtx().size(), 4u);
  for (int i = 0; i < 3; ++i) {
    const NvtxEvent& e = c.nvtx()[static_cast<std::size_t>(i)];
    EXPECT_EQ(e.payload_kind, PayloadKind::binary) << i;
    EXPECT_EQ(c.payload_bytes(e).size(), 12u) << i;
    EXPECT_EQ(c.payload_field(e, "operation id"), std::optional<std::uint64_t>(0x0102030405060708u))
        << i;
    EXPECT_EQ(c.payload_field(e, "count"), std::optional<std::uint64_t>(7u)) << i;
    EXPECT_EQ(c.payload_field(e, "bytes"), std::nullopt) << i;
  }
  EXPECT_EQ(c.nvtx()[0].payload_schema, 99u);
  EXPECT_EQ(c.nvtx()[1].payload_schema, 99u) << "hex text decoded, header and all";
  EXPECT_EQ(c.nvtx()[2].payload_schema, 0u) << "no header";
  EXPECT_EQ(c.payload_field(c.nvtx()[3], "operation id"), std::nullopt)
      << "two schemas of domain 4 could fit";
}

TEST(NsysCapture, ReportsProgressAndCancels) {
  const std::string path = write_big_capture("progress.sqlite");
  std::uint64_t last_done = 0, last_total = 0;
  int calls = 0;
  const Capture c = Capture::load(path, [&](std::uint64_t done, std::uint64_t total) {
    ++calls;
    last_done = done;
    last_total = total;
    return true;
  });
  EXPECT_EQ(c.memcpys().size(), 20000u);
  EXPECT_GE(calls, 1);
  EXPECT_EQ(last_done, 20000u);
  EXPECT_EQ(last_total, 20000u);

  EXPECT_THROW(Capture::load(path, [](std::uint64_t, std::uint64_t) { return false; }),
               trace::LoadCancelled);
}

}  // namespace
}  // namespace tswap::nsys
