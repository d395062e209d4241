/*
 * errors.c: the one map from an internal error to its HTTP status, stable
 * machine code and default message (design.md section 4).
 */
#include "holdfast/core.h"

struct hf_err_info {
	int		 status;
	const char	*code;
	const char	*message;
};

static const struct hf_err_info hf_errs[HF_E__MAX] = {
	[HF_OK] = { 200, "OK", "success" },
	[HF_E_INV_NOT_FOUND] = { 404, "INV_001", "SKU or stock record not found" },
	[HF_E_INV_INSUFFICIENT] = { 400, "INV_002", "insufficient stock" },
	[HF_E_INV_EXPIRED] = { 400, "INV_003", "reservation expired" },
	[HF_E_INV_CONFLICT] = { 409, "INV_004", "concurrency conflict, retry" },
	[HF_E_INV_PARAM] = { 422, "INV_005", "invalid inventory parameter" },
	[HF_E_DB] = { 500, "INV_006", "database operation failed" },
	[HF_E_INV_NOT_ACTIVE] = { 409, "INV_007", "reservation not active" },
	[HF_E_AUTH_MISSING] = { 401, "AUTH_001", "authentication required" },
	[HF_E_AUTH_INVALID] = { 401, "AUTH_002", "invalid token" },
	[HF_E_AUTH_EXPIRED] = { 401, "AUTH_003", "token expired" },
	[HF_E_AUTH_CREDENTIALS] = { 401, "AUTH_004", "invalid credentials" },
	[HF_E_AUTH_FORBIDDEN] = { 403, "AUTH_005", "forbidden" },
	[HF_E_AUTH_EMAIL_TAKEN] = { 409, "AUTH_006", "e-mail already registered" },
	[HF_E_AUTH_CODE] = { 400, "AUTH_007", "invalid or expired code" },
	[HF_E_AUTH_NOT_ACTIVE] = { 403, "AUTH_008", "account not active" },
	[HF_E_REQ_JSON] = { 400, "REQ_001", "malformed JSON" },
	[HF_E_REQ_TOO_LARGE] = { 413, "REQ_002", "request body too large" },
	[HF_E_REQ_MEDIA_TYPE] = { 415, "REQ_003", "unsupported media type" },
	[HF_E_REQ_NO_ROUTE] = { 404, "REQ_004", "no such route" },
	[HF_E_REQ_METHOD] = { 405, "REQ_005", "method not allowed" },
	[HF_E_REQ_RATE] = { 429, "REQ_006", "rate limited" },
	[HF_E_REQ_IDEM_MISMATCH] = { 422, "REQ_007",
	    "idempotency key reused with a different request" },
	[HF_E_REQ_IDEM_RUNNING] = { 409, "REQ_008",
	    "idempotent request still in progress" },
	[HF_E_REQ_UNKNOWN_FIELD] = { 400, "REQ_009", "unknown or read-only field" },
	[HF_E_REQ_FIELD] = { 422, "REQ_010", "missing or invalid field" },
	[HF_E_SYS_UNAVAILABLE] = { 503, "SYS_001", "service unavailable" },
	[HF_E_SYS_INTERNAL] = { 500, "SYS_002", "internal error" },
	[HF_E_INV_SKU_TAKEN] = { 409, "INV_008", "SKU already exists" },
	[HF_E_REQ_BAD] = { 400, "REQ_012", "malformed request" },
	[HF_E_INV_HOLD] = { 409, "INV_010", "reservation belongs to an "
	    "order, a loan or a hold: end it through that flow" },
	[HF_E_INV_REF_TAKEN] = { 409, "INV_012",
	    "reference_id belongs to another owner or flow" },
	[HF_E_INV_IN_USE] = { 409, "INV_009",
	    "product has units reserved or on loan" },
	[HF_E_INV_UNAVAILABLE] = { 409, "INV_011",
	    "product not available: status maintenance or retired" },
	/* orders and payments (issue 6, shop) */
	[HF_E_ORD_NOT_FOUND] = { 404, "ORD_001", "order not found" },
	[HF_E_ORD_NOT_PAYABLE] = { 409, "ORD_002",
	    "only an order pending payment can be paid" },
	[HF_E_ORD_EXPIRED] = { 409, "ORD_003", "order expired" },
	[HF_E_ORD_NOT_CANCELLABLE] = { 409, "ORD_004",
	    "only an order pending payment can be cancelled" },
	[HF_E_ORD_NOT_REFUNDABLE] = { 409, "ORD_005",
	    "only a paid or fulfilled order can be refunded" },
	[HF_E_ORD_NOT_FULFILLABLE] = { 409, "ORD_006",
	    "only a paid order can be fulfilled" },
	[HF_E_PAY_SIGNATURE] = { 401, "PAY_001",
	    "missing or invalid payment signature" },
	[HF_E_PAY_MISMATCH] = { 422, "PAY_002",
	    "payment does not match the order" },
	/* loans and holds (issue 6, library) */
	[HF_E_LOAN_LIMIT] = { 409, "LOAN_001", "loan limit reached" },
	[HF_E_LOAN_RETURNED] = { 409, "LOAN_002", "loan already returned" },
	[HF_E_LOAN_RENEWALS] = { 409, "LOAN_003", "no renewals left" },
	[HF_E_LOAN_WAITING] = { 409, "LOAN_004",
	    "others are waiting for this SKU" },
	[HF_E_HOLD_AVAILABLE] = { 409, "HOLD_001",
	    "units are available: borrow instead" },
	[HF_E_HOLD_DUPLICATE] = { 409, "HOLD_002",
	    "already holding this SKU" },
	[HF_E_HOLD_NOT_READY] = { 409, "HOLD_003", "hold is not ready" },
	[HF_E_HOLD_ENDED] = { 409, "HOLD_004", "hold has ended" },
	[HF_E_HOLD_PICKUP_PASSED] = { 409, "HOLD_005",
	    "pickup window has passed" },
	[HF_E_HOLD_ON_LOAN] = { 409, "HOLD_006",
	    "already on loan to this user" },
	[HF_E_LOC_NOT_FOUND] = { 404, "LOC_001", "location not found" },
	[HF_E_LOC_FROZEN] = { 409, "LOC_002",
	    "location is frozen for a stocktake" },
	[HF_E_LOC_CODE_TAKEN] = { 409, "LOC_003",
	    "location code already exists" },
	[HF_E_LOC_INACTIVE] = { 409, "LOC_004", "location is not active" },
	[HF_E_LOC_IN_USE] = { 409, "LOC_005",
	    "location still holds units or history" },
	[HF_E_XFER_STATE] = { 409, "XFER_001",
	    "transfer is not in transit" },
	[HF_E_XFER_QUANTITY] = { 422, "XFER_002",
	    "more units than the transfer has in transit" },
	[HF_E_STK_STATE] = { 409, "STK_001", "stocktake is not open" },
	[HF_E_STK_OPEN] = { 409, "STK_002",
	    "the location already has an open stocktake" },
	[HF_E_STK_RESERVED] = { 409, "STK_003",
	    "the count would leave fewer units than are reserved" },
	[HF_E_IMP_BAD_ROWS] = { 422, "IMP_001",
	    "the file has bad rows: nothing was changed" },
	[HF_E_IMP_PARTIAL] = { 409, "IMP_002",
	    "the import stopped part way: send the same file again" },
	[HF_E_REQ_PAGE_DEEP] = { 400, "REQ_013",
	    "page too deep: follow data.next with ?after= instead" },
	[HF_E_CMT_NOT_FOUND] = { 404, "CMT_001", "comment not found" },
	[HF_E_CMT_PARENT] = { 422, "CMT_002",
	    "parent_id names no comment of this product" },
	[HF_E_CMT_CLOSED] = { 409, "CMT_003",
	    "the parent comment is deleted or hidden: no replies" },
	[HF_E_CMT_DEEP] = { 409, "CMT_004",
	    "the thread is too deep for another reply" },
	[HF_E_CMT_NOT_YOURS] = { 403, "CMT_005",
	    "only the author or staff may delete a comment" },
	[HF_E_CMT_NO_READER] = { 403, "CMT_006",
	    "comments and likes are a reader's: sign in as a user" },
	[HF_E_LOAN_BATCH] = { 409, "LOAN_005",
	    "a loan of the batch was refused: none was changed" },
	[HF_E_LOAN_OVERDUE] = { 409, "LOAN_006",
	    "overdue loans block new loans" },
	[HF_E_LOAN_VOIDED] = { 409, "LOAN_007", "loan was voided" },
	[HF_E_AI_DISABLED] = { 503, "AI_001",
	    "the assistant is not configured on this server" },
	[HF_E_AI_QUOTA] = { 429, "AI_002",
	    "today's assistant questions are used up" },
	[HF_E_AI_UNREACHABLE] = { 502, "AI_003",
	    "the assistant's model could not be reached or failed" },
	[HF_E_AI_TIMEOUT] = { 504, "AI_004",
	    "the assistant's model did not answer in time" },
	[HF_E_AI_GARBAGE] = { 502, "AI_005",
	    "the assistant's model gave an answer that cannot be used" },
	[HF_E_AI_BUSY] = { 503, "AI_006",
	    "the assistant's model is busy: try again later" },
	[HF_E_AI_NOT_FOUND] = { 404, "AI_007", "conversation not found" },
	/* internal conditions that escaped their caller: a database failure */
	[HF_E_DEADLOCK] = { 409, "INV_004", "concurrency conflict, retry" },
	[HF_E_LOCK_TIMEOUT] = { 409, "INV_004", "concurrency conflict, retry" },
	[HF_E_DUPLICATE] = { 500, "INV_006", "database operation failed" },
	[HF_E_CHECK] = { 500, "INV_006", "database operation failed" },
	[HF_E_NOT_FOUND] = { 404, "REQ_011", "no such resource" },
	/* points (issue 15, shop) */
	[HF_E_PTS_SHORT] = { 409, "PTS_001", "not enough points available" },
	[HF_E_PTS_CHECKED_IN] = { 409, "PTS_002",
	    "already checked in today" },
	[HF_E_PTS_UNUSABLE] = { 422, "PTS_003",
	    "these points cannot pay this order" },
	[HF_E_PTS_NO_USER] = { 422, "PTS_004",
	    "points pay only a signed-in user's order" },
	[HF_E_PTS_CHECKIN_OFF] = { 409, "PTS_005",
	    "the daily check-in is off" },
	/* coupons (issue 15, shop) */
	[HF_E_CPN_NOT_FOUND] = { 404, "CPN_001", "no such coupon code" },
	[HF_E_CPN_NOT_VALID] = { 409, "CPN_002",
	    "coupon expired or not valid yet" },
	[HF_E_CPN_NOT_APPLICABLE] = { 422, "CPN_003",
	    "coupon not applicable to these products" },
	[HF_E_CPN_MIN_SPEND] = { 422, "CPN_004", "minimum spend not met" },
	[HF_E_CPN_EXHAUSTED] = { 409, "CPN_005", "no coupons left" },
	[HF_E_CPN_LIMIT] = { 409, "CPN_006", "coupon limit per customer "
	    "reached" },
	[HF_E_CPN_TAKEN] = { 409, "CPN_007", "coupon code already exists" },
	/* group buys (issue 15, shop) */
	[HF_E_GRP_NO_CAMPAIGN] = { 404, "GRP_001", "no such group buy" },
	[HF_E_GRP_NO_GROUP] = { 404, "GRP_002", "no such group" },
	[HF_E_GRP_CLOSED] = { 409, "GRP_003",
	    "the group buy or group is closed" },
	[HF_E_GRP_FULL] = { 409, "GRP_004", "the group is full" },
	[HF_E_GRP_LIMIT] = { 409, "GRP_005", "group seats per customer "
	    "reached" },
	[HF_E_GRP_PENDING] = { 409, "GRP_006",
	    "the order's group has not succeeded" },
	[HF_E_GRP_NOT_DUE] = { 409, "GRP_007", "no refund is due" },
	[HF_E_DLV_NO_ADDRESS] = { 404, "DLV_001", "no such saved address" },
	[HF_E_DLV_NO_AREA] = { 404, "DLV_002",
	    "no such delivery area (or it is not served)" },
	[HF_E_DLV_NO_POINT] = { 404, "DLV_003",
	    "no such pickup point (or it is closed)" },
	[HF_E_DLV_NO_SLOT] = { 404, "DLV_004", "no such time slot" },
	[HF_E_DLV_SLOT_MISMATCH] = { 422, "DLV_005",
	    "the slot is not for this area or pickup point" },
	[HF_E_DLV_SLOT_CLOSED] = { 409, "DLV_006",
	    "the slot is closed (started or stopped)" },
	[HF_E_DLV_SLOT_FULL] = { 409, "DLV_007", "the slot is full" },
	[HF_E_DLV_MIN_ORDER] = { 422, "DLV_008",
	    "the area's minimum order is not met" },
	[HF_E_DLV_NAME_TAKEN] = { 409, "DLV_009", "the name is taken" },
	[HF_E_DLV_CAPACITY] = { 409, "DLV_010",
	    "the capacity is below the places taken" },
	[HF_E_DLV_ADDRESSES_MAX] = { 409, "DLV_011",
	    "too many saved addresses" },
	/* refunds and returns (issue 15, shop) */
	[HF_E_RFD_OVER_PAID] = { 409, "RFD_001",
	    "refund exceeds what is left of the amount paid" },
	[HF_E_RFD_OVER_LINE] = { 409, "RFD_002",
	    "refund exceeds what is left of the line" },
	[HF_E_RFD_NOT_ON_ORDER] = { 422, "RFD_003", "SKU not on this order" },
	[HF_E_RFD_NOT_FULFILLED] = { 409, "RFD_004",
	    "order not fulfilled: nothing to return" },
	[HF_E_RFD_OVER_FULFILLED] = { 409, "RFD_005",
	    "return exceeds what was fulfilled and is still out" },
	[HF_E_RFD_PAYMENT_NOT_FOUND] = { 404, "RFD_006",
	    "payment not found" },
};

static const struct hf_err_info *
hf_err_info(enum hf_err e)
{
	if ((unsigned)e >= HF_E__MAX || hf_errs[e].code == NULL)
		return &hf_errs[HF_E_SYS_INTERNAL];
	return &hf_errs[e];
}

int
hf_err_status(enum hf_err e)
{
	return hf_err_info(e)->status;
}

const char *
hf_err_code(enum hf_err e)
{
	return hf_err_info(e)->code;
}

const char *
hf_err_message(enum hf_err e)
{
	return hf_err_info(e)->message;
}
