// The emulator's fiber switch (cuda_emu.h, Lanes), x86-64 System V: saves the callee-saved registers, MXCSR and
// the x87 control word on the current stack, stores the stack pointer, loads the other one and restores the same
// from it. swapcontext does the same plus a sigprocmask system call, which took 90 % of the emulator's time.
// A new lane's stack is laid out by Lanes::addLane so that the first switch into it returns into
// ws_emu_lane_start, which calls r13(r12) and never returns.
// (Defined on every x86-64 build; cuda_emu.h leaves it unused where CUDA threads are host threads.)
#if defined(__x86_64__)

asm(R"(
    .pushsection .text
    .p2align 4
    .globl ws_emu_switch
    .hidden ws_emu_switch
    .type ws_emu_switch, @function
ws_emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size ws_emu_switch, .-ws_emu_switch

    .p2align 4
    .globl ws_emu_lane_start
    .hidden ws_emu_lane_start
    .type ws_emu_lane_start, @function
ws_emu_lane_start:
    movq %r12, %rdi
    callq *%r13
    ud2
    .size ws_emu_lane_start, .-ws_emu_lane_start
    .popsection
)");

#endif
