# SPDX-License-Identifier: MIT
# Go reference targets: built offline in GOPATH mode from Debian's Go toolchain
# (golang-go) and Debian's golang-*-dev libraries under /usr/share/gocode. No module
# download, no network, nothing written outside the build tree: the Go build cache and
# temporary files live in build/go/. Our own Go sources are a GOPATH tree, targets/go/src.
option(LEAKGUARD_GO_TARGETS "Build the Go reference targets (gotuner, goagent); needs golang-go" ON)
set(LEAKGUARD_GOCODE /usr/share/gocode CACHE PATH "GOPATH of the Debian golang-*-dev packages")

# Import path -> Debian package, for the message when one is missing.
set(LEAKGUARD_GO_PACKAGES
    "github.com/vishvananda/netns=golang-github-vishvananda-netns-dev"
    "github.com/cilium/ebpf=golang-github-cilium-ebpf-dev"
    "golang.org/x/sys/unix=golang-golang-x-sys-dev")

if(LEAKGUARD_GO_TARGETS)
  set(go_hint "ci/install-deps.sh installs it, or configure with -DLEAKGUARD_GO_TARGETS=OFF to build without the Go targets (their tests then skip)")
  find_program(GO_EXECUTABLE NAMES go PATHS /usr/lib/go/bin /usr/lib/go-1.19/bin)
  if(NOT GO_EXECUTABLE)
    message(FATAL_ERROR "Go reference targets: no Go toolchain (`go`, 1.19 or later) found. "
                        "Install the Debian package golang-go: ${go_hint}.")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -E env GOENV=off GOFLAGS= ${GO_EXECUTABLE} env GOVERSION
                  OUTPUT_VARIABLE go_version OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE go_rc)
  string(REGEX MATCH "^go([0-9]+)\\.([0-9]+)" go_match "${go_version}")
  if(NOT go_rc EQUAL 0 OR NOT go_match OR CMAKE_MATCH_1 LESS 1 OR (CMAKE_MATCH_1 EQUAL 1 AND CMAKE_MATCH_2 LESS 19))
    message(FATAL_ERROR "Go reference targets: ${GO_EXECUTABLE} is '${go_version}', they need Go 1.19 or later "
                        "(Debian bookworm's golang-go): ${go_hint}.")
  endif()
  foreach(pair ${LEAKGUARD_GO_PACKAGES})
    string(REPLACE "=" ";" pair "${pair}")
    list(GET pair 0 import)
    list(GET pair 1 deb)
    if(NOT EXISTS ${LEAKGUARD_GOCODE}/src/${import})
      message(FATAL_ERROR "Go reference targets: the Go package ${import} is not in ${LEAKGUARD_GOCODE}/src. "
                          "Install the Debian package ${deb}: ${go_hint}.")
    endif()
  endforeach()
  message(STATUS "Go reference targets: ${go_version} (${GO_EXECUTABLE}), libraries from ${LEAKGUARD_GOCODE}")

  set(LEAKGUARD_GO_DIR ${CMAKE_BINARY_DIR}/go)
  file(MAKE_DIRECTORY ${LEAKGUARD_GO_DIR}/cache ${LEAKGUARD_GO_DIR}/tmp)
  # The whole environment of a go command, so that nothing from the user's (GOENV file,
  # GOFLAGS, GOPROXY, a module mode) changes what is built.
  set(LEAKGUARD_GO_ENV
      GOENV=off GO111MODULE=off GOPATH=${CMAKE_SOURCE_DIR}/targets/go:${LEAKGUARD_GOCODE}
      GOFLAGS=-buildvcs=false GOPROXY=off GOSUMDB=off GOTOOLCHAIN=local CGO_ENABLED=0
      GOCACHE=${LEAKGUARD_GO_DIR}/cache GOTMPDIR=${LEAKGUARD_GO_DIR}/tmp)
endif()

# targets/go/src/leakguard/<name> -> build/bin/<name>, with its DWARF (the attribution
# tests symbolise it) and Go's frame pointers.
function(leakguard_go_target name)
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/targets/go/src/leakguard/*.go)
  set(out ${CMAKE_RUNTIME_OUTPUT_DIRECTORY}/${name})
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E env ${LEAKGUARD_GO_ENV} ${GO_EXECUTABLE} build -o ${out} leakguard/${name}
    DEPENDS ${srcs}
    WORKING_DIRECTORY ${LEAKGUARD_GO_DIR}
    COMMENT "Building Go target ${name}"
    VERBATIM)
  add_custom_target(go_${name} ALL DEPENDS ${out})
endfunction()
