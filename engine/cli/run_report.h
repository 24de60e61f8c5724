// The run report of engine/run/run_report.h, under the name the chat message (notify.h) includes.
#pragma once

#include "engine/run/run_report.h"
