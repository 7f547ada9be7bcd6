#ifndef ALLIANCE_LEDGER_CLIBPQ_SHIM_H
#define ALLIANCE_LEDGER_CLIBPQ_SHIM_H

#include <libpq-fe.h>

#endif
