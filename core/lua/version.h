/* version.h - the program version (financial-api version, fin.version). */
#ifndef FIN_VERSION_H
#define FIN_VERSION_H

#ifndef FIN_VERSION
#define FIN_VERSION "0.1.0"
#endif

#endif
