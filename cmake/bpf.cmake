# SPDX-License-Identifier: MIT
# BPF build: vmlinux.h from the running kernel's BTF, clang -target bpf, then
# `bpftool gen object` (strips DWARF, ~15x smaller) and `bpftool gen skeleton`.
# Nothing generated here is committed.
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /usr/local/sbin REQUIRED)
find_program(BPF_CLANG NAMES clang clang-14 REQUIRED)
set(LEAKGUARD_BTF /sys/kernel/btf/vmlinux CACHE FILEPATH "Kernel BTF used to generate vmlinux.h")
if(NOT EXISTS ${LEAKGUARD_BTF})
  message(FATAL_ERROR "${LEAKGUARD_BTF} not found: leakguard needs a kernel built with CONFIG_DEBUG_INFO_BTF")
endif()

set(BPF_OUT ${CMAKE_BINARY_DIR}/bpf)
file(MAKE_DIRECTORY ${BPF_OUT})
set(VMLINUX_H ${BPF_OUT}/vmlinux.h)
add_custom_command(OUTPUT ${VMLINUX_H}
  COMMAND ${BPFTOOL} btf dump file ${LEAKGUARD_BTF} format c > ${VMLINUX_H}.tmp
  COMMAND ${CMAKE_COMMAND} -E rename ${VMLINUX_H}.tmp ${VMLINUX_H}
  COMMENT "Generating vmlinux.h from ${LEAKGUARD_BTF}")
add_custom_target(vmlinux_h DEPENDS ${VMLINUX_H})

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64")
  set(BPF_ARCH x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64")
  set(BPF_ARCH arm64)
else()
  set(BPF_ARCH ${CMAKE_SYSTEM_PROCESSOR})
endif()

set(BPF_WERROR "")
if(LEAKGUARD_WERROR)
  set(BPF_WERROR -Werror)
endif()

function(leakguard_bpf_skeleton name src)
  set(obj ${BPF_OUT}/${name}.bpf.o)
  set(lobj ${BPF_OUT}/${name}.o)
  set(skel ${BPF_OUT}/${name}.skel.h)
  get_filename_component(src_dir ${src} DIRECTORY)
  file(GLOB headers ${CMAKE_SOURCE_DIR}/bpf/*.h ${src_dir}/*.h)
  add_custom_command(OUTPUT ${skel}
    COMMAND ${BPF_CLANG} -target bpf -g -O2 -D__TARGET_ARCH_${BPF_ARCH}
            -I${BPF_OUT} -I${CMAKE_SOURCE_DIR}/bpf -I${CMAKE_SOURCE_DIR}
            -Wall -Wno-unused-function ${BPF_WERROR} ${ARGN} -c ${src} -o ${obj}
    COMMAND ${BPFTOOL} gen object ${lobj} ${obj}
    COMMAND sh -c "${BPFTOOL} gen skeleton ${lobj} name ${name}_bpf > ${skel}.tmp"
    COMMAND ${CMAKE_COMMAND} -E rename ${skel}.tmp ${skel}
    DEPENDS ${src} ${headers} ${VMLINUX_H}
    COMMENT "BPF skeleton ${name}.skel.h"
    VERBATIM)
  add_custom_target(bpf_skel_${name} DEPENDS ${skel})
  # vmlinux.h is made by one target first, so parallel skeletons never generate it twice.
  add_dependencies(bpf_skel_${name} vmlinux_h)
endfunction()
