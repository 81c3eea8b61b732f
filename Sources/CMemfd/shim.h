#ifndef PARTMAND_CMEMFD_SHIM_H
#define PARTMAND_CMEMFD_SHIM_H
/*
 * memfd_create(2) and file sealing, for the journal's large-entry path.
 *
 * glibc (>= 2.27) always exports memfd_create, but declares it, and fcntl's sealing commands, only
 * under _GNU_SOURCE, which Swift's Glibc module is built without. The values are the Linux ABI
 * (<linux/memfd.h>, <linux/fcntl.h>); those headers are not included because they clash with glibc's.
 */
int memfd_create(const char *name, unsigned int flags);

#define PARTMAND_MFD_CLOEXEC 0x0001U
#define PARTMAND_MFD_ALLOW_SEALING 0x0002U
#define PARTMAND_F_ADD_SEALS 1033
#define PARTMAND_F_SEAL_SEAL 0x0001
#define PARTMAND_F_SEAL_SHRINK 0x0002
#define PARTMAND_F_SEAL_GROW 0x0004
#define PARTMAND_F_SEAL_WRITE 0x0008
#endif
