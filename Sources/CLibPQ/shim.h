#ifndef PARTMAND_CLIBPQ_SHIM_H
#define PARTMAND_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
