// Collecting a report's results: each model's cached measurements that answer the request,
// and (unless collect_only) the ones measured now through the library, cached as they finish.
#pragma once

#include "eval/report/report_data.h"
#include "yak/eval_report.h"

namespace yak::eval::report {

// Checks the inputs first (see write_report), then fills one ModelReport per model and counts
// reused, ran, missing and failed items into `outcome`.
ReportData gather(const ReportOptions& options, ReportOutcome& outcome);

}  // namespace yak::eval::report
